#!/bin/sh
# Lays out the runtime root filesystem of the Noaber image in OUT: the
# binary, the libraries it links (as ldd names them), CA certificates, a
# non-root user (uid 65532) and a /data directory it owns. Used by
# docker/Dockerfile's build stage and by scripts/container-images, so the
# image for users and the image the tests build here are laid out alike.
# Usage: docker/rootfs.sh BINARY OUT   (BINARY "-" leaves the binary out)
set -eu
BINARY="$1"
OUT="$2"
LIBS_OF="${3:-$BINARY}"
mkdir -p "$OUT/etc/ssl/certs" "$OUT/tmp" "$OUT/usr/local/bin" "$OUT/data"
chmod 1777 "$OUT/tmp"
for lib in $(ldd "$LIBS_OF" | awk '/=> \//{print $3} /^[ \t]*\//{print $1}' | sort -u); do
    mkdir -p "$OUT$(dirname "$lib")"
    cp -L "$lib" "$OUT$lib"
done
cp -L /etc/ssl/certs/ca-certificates.crt "$OUT/etc/ssl/certs/ca-certificates.crt"
printf 'root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n' > "$OUT/etc/passwd"
printf 'root:x:0:\nnonroot:x:65532:\n' > "$OUT/etc/group"
if [ "$BINARY" != "-" ]; then
    strip -o "$OUT/usr/local/bin/noaber" "$BINARY"
fi
# Owned by the node's user, so a new named volume starts out writable.
chown 65532:65532 "$OUT/data" 2>/dev/null || true
