#!/usr/bin/env python3
"""The container end-to-end test: the demo network from
docker/compose.network.yaml, run as containers on a private network.

A national node (two processes on one PostgreSQL container), a regional
node and two initiatives come up with their follows; articles are published
and must arrive at every node exactly once, also when a node was stopped,
cut off from the network, or when a national process is killed while it
sends. A restarted node keeps its data; a backup taken while a node runs
is restored into a new container that serves the same data. Everything is
removed at the end.

Run by scripts/test after scripts/container-images has built the images.
Each step is logged; a failure names its step and shows the logs of the
containers involved.
"""

import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
COMPOSE_FILE = os.path.join(ROOT, "docker", "compose.network.yaml")
PROJECT = f"noabere2e{os.getpid()}"
IMAGE = os.environ.get("NOABER_IMAGE", "noaber-local:test")
POSTGRES_IMAGE = os.environ.get("NOABER_POSTGRES_IMAGE", "noaber-postgres:15")
NODES = ["national-1", "national-2", "regional", "initiative-a", "initiative-b"]
EXTRA_CONTAINER = f"{PROJECT}-restored"
EXTRA_VOLUME = f"{PROJECT}-restored-data"

step_name = "start"


def log(msg):
    print(f"[e2e {time.strftime('%H:%M:%S')}] {msg}", flush=True)


def step(name):
    global step_name
    step_name = name
    log(f"STEP: {name}")


class Failed(Exception):
    pass


def run(*args, check=True, env=None, capture=True):
    result = subprocess.run(
        list(args),
        env=env,
        stdout=subprocess.PIPE if capture else None,
        stderr=subprocess.STDOUT if capture else None,
        text=True,
    )
    if check and result.returncode != 0:
        raise Failed(f"{' '.join(args)} exited {result.returncode}: {result.stdout}")
    return result.stdout or ""


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


PORTS = {node: free_port() for node in NODES}
# A subnet of its own, so that runs side by side do not clash.
SUBNET = f"172.29.{os.getpid() % 250 + 1}.0/24"


def compose_env():
    env = dict(os.environ)
    env.update(
        {
            "NOABER_IMAGE": IMAGE,
            "NOABER_POSTGRES_IMAGE": POSTGRES_IMAGE,
            # Quick retries and a short lease, so the test takes minutes.
            "NOABER_DEMO_RETRY_SECONDS": "2",
            "NOABER_DEMO_REQUEST_TIMEOUT": "5",
            "NOABER_DEMO_PORT_NATIONAL_1": str(PORTS["national-1"]),
            "NOABER_DEMO_PORT_NATIONAL_2": str(PORTS["national-2"]),
            "NOABER_DEMO_PORT_REGIONAL": str(PORTS["regional"]),
            "NOABER_DEMO_PORT_INITIATIVE_A": str(PORTS["initiative-a"]),
            "NOABER_DEMO_PORT_INITIATIVE_B": str(PORTS["initiative-b"]),
            "NOABER_DEMO_SUBNET": SUBNET,
        }
    )
    return env


def compose(*args, check=True):
    return run(
        "docker-compose", "-p", PROJECT, "-f", COMPOSE_FILE, *args,
        check=check, env=compose_env(),
    )


CONTAINERS = {}


def container(node):
    """The container of a compose service, asked of compose (its naming
    differs between compose versions)."""
    if node not in CONTAINERS:
        cid = compose("ps", "-q", node).strip()
        if not cid:
            raise Failed(f"no container for service {node}")
        CONTAINERS[node] = cid
    return CONTAINERS[node]


def wait_for(what, check, timeout=120, every=1.0):
    deadline = time.time() + timeout
    last = None
    while time.time() < deadline:
        try:
            if check():
                return
        except Exception as e:  # a node still starting answers with errors
            last = e
        time.sleep(every)
    raise Failed(f"timed out after {timeout} s waiting for: {what} (last error: {last})")


def health(name):
    return run("docker", "inspect", "-f", "{{.State.Health.Status}}", name, check=False).strip()


def http(port, method, path, token=None, body=None):
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", method=method)
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        req.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(req, data=data, timeout=10) as res:
        return res.status, json.loads(res.read() or b"null")


def token(name):
    return run("docker", "exec", name, "noaber", "token", "create", "--user", "beheerder").strip()


def items(port, tok):
    _, body = http(port, "GET", "/api/v1/network/items?per_page=100", tok)
    return body["items"]


def copies(port, tok, object_id):
    return [i for i in items(port, tok) if i["object_id"] == object_id]


def publish(port, tok, title):
    status, body = http(
        port, "POST", "/api/v1/articles", tok,
        {
            "title": title,
            "summary": "Een proef van het netwerk in containers.",
            "body": "Wat wij leerden over vervoer naar het ziekenhuis.",
            "themes": ["vervoer"],
            "visibility": "public",
        },
    )
    if status != 201:
        raise Failed(f"publishing '{title}' answered {status}: {body}")
    log(f"published '{title}' as {body['object_id']}")
    return body


def arrives_once(receivers, tokens, object_id, title, timeout=120):
    """Every receiver shows the item, exactly once, with its title."""
    for node in receivers:
        port = PORTS[node]
        wait_for(
            f"'{title}' at {node}",
            lambda: len(copies(port, tokens[node], object_id)) >= 1,
            timeout=timeout,
        )
    # Give a duplicate the time to show up before counting.
    time.sleep(3)
    for node in receivers:
        found = copies(PORTS[node], tokens[node], object_id)
        if len(found) != 1:
            raise Failed(f"{node} shows '{title}' {len(found)} times")
        if found[0]["title"] != title:
            raise Failed(f"{node} shows '{found[0]['title']}', expected '{title}'")
        log(f"  {node}: has it once")


def network_name():
    return f"{PROJECT}_noaber"


def leftovers():
    containers = run("docker", "ps", "-aq", "--filter", f"name={PROJECT}").split()
    volumes = run("docker", "volume", "ls", "-q", "--filter", f"name={PROJECT}").split()
    networks = run("docker", "network", "ls", "-q", "--filter", f"name={PROJECT}").split()
    return containers, volumes, networks


def tear_down():
    compose("down", "-v", "--remove-orphans", "--timeout", "5", check=False)
    run("docker", "rm", "-f", "-v", EXTRA_CONTAINER, check=False)
    run("docker", "volume", "rm", "-f", EXTRA_VOLUME, check=False)


def main():
    volumes_before = set(run("docker", "volume", "ls", "-q").split())

    step("bring up the demo network (national node as two processes on one PostgreSQL)")
    compose("up", "-d", "--no-build")
    for node in NODES:
        wait_for(f"{node} healthy", lambda n=node: health(container(n)) == "healthy", timeout=180)
    tokens = {n: token(container(n)) for n in NODES}

    step("check the follows")
    expected = {
        "national-1": ["http://regional:8080/actor"],
        "regional": [
            "http://initiative-a:8080/actor",
            "http://initiative-b:8080/actor",
            "http://national:8080/actor",
        ],
        "initiative-a": ["http://regional:8080/actor", "http://national:8080/actor"],
        "initiative-b": ["http://regional:8080/actor", "http://national:8080/actor"],
    }
    for node, actors in expected.items():
        def accepted(node=node, actors=actors):
            out = run("docker", "exec", container(node), "noaber", "following", "list")
            lines = [line.split("\t") for line in out.splitlines() if line.strip()]
            have = {parts[1] for parts in lines if parts[0] == "accepted"}
            return all(a in have for a in actors)
        wait_for(f"{node}'s follows accepted", accepted, timeout=120)
        log(f"  {node} follows {', '.join(actors)}")

    step("publish an article on initiative A; every node gets it once")
    first = publish(PORTS["initiative-a"], tokens["initiative-a"], "Vervoer met vaste vrijwilligers")
    arrives_once(["national-1", "national-2", "regional", "initiative-b"], tokens,
                 first["object_id"], first["title"])

    step("logs are plain lines: no colour codes, one line per request")
    logs = run("docker", "logs", container("initiative-a"))
    if "\x1b[" in logs:
        raise Failed("docker logs holds ANSI colour codes")
    if not any("path=/api/v1/articles" in line and "status=201" in line for line in logs.splitlines()):
        raise Failed("the publishing request is not in docker logs as one line")

    step("stop initiative B, publish, start it again: the delivery arrives")
    run("docker", "stop", "-t", "5", container("initiative-b"))
    second = publish(PORTS["initiative-a"], tokens["initiative-a"], "Maaltijden samen koken")
    arrives_once(["regional"], tokens, second["object_id"], second["title"])
    time.sleep(5)  # a failed attempt to reach B happens meanwhile
    run("docker", "start", container("initiative-b"))
    wait_for("initiative B healthy again", lambda: health(container("initiative-b")) == "healthy", timeout=120)
    arrives_once(["initiative-b"], tokens, second["object_id"], second["title"])

    step("cut initiative B off the network, publish, reconnect: the retry delivers")
    run("docker", "network", "disconnect", network_name(), container("initiative-b"))
    third = publish(PORTS["initiative-a"], tokens["initiative-a"], "Klussendienst in het dorp")
    arrives_once(["regional", "national-1"], tokens, third["object_id"], third["title"])
    time.sleep(5)
    # Its published port is cut off too: ask it from inside.
    inside = run("docker", "exec", container("initiative-b"), "noaber", "network", "items", "--json")
    if third["object_id"] in inside:
        raise Failed("initiative B got the article while cut off")
    run("docker", "network", "connect", "--alias", "initiative-b", network_name(), container("initiative-b"))
    arrives_once(["initiative-b"], tokens, third["object_id"], third["title"], timeout=180)

    step("kill one national process while it sends an article to the network")
    # Initiative B is frozen, so national-1's delivery to it hangs (claimed,
    # sent, unanswered) when national-1 is killed. national-2 is stopped
    # meanwhile so that the claim is surely national-1's; started again, it
    # must leave the claim while its lease holds, then take it over.
    def claims():
        return run("docker", "exec", container(sender), "noaber", "deliveries", "list",
                   "--state", "sending")
    run("docker", "stop", "-t", "5", container("national-2"))
    run("docker", "pause", container("initiative-b"))
    sender = "national-1"
    fourth = publish(PORTS["national-1"], tokens["national-1"], "Landelijke handreiking vervoer")
    wait_for("national-1 holds the delivery to initiative B",
             lambda: "initiative-b" in claims() and "door national-1:" in claims(),
             timeout=4, every=0.1)
    run("docker", "kill", container("national-1"))
    log("  national-1 killed while its delivery to initiative B hung")
    run("docker", "start", container("national-2"))
    wait_for("national-2 healthy", lambda: health(container("national-2")) == "healthy", timeout=120)
    sender = "national-2"
    held = claims()
    if "door national-1:" not in held:
        raise Failed(f"the starting process reset a claim whose lease still held: {held!r}")
    log("  national-2 started and left the claim alone while its lease held")
    run("docker", "unpause", container("initiative-b"))
    arrives_once(["regional", "initiative-a", "initiative-b"], tokens,
                 fourth["object_id"], fourth["title"], timeout=180)
    wait_for("national-2 takes the dead process's claim over and records the delivery",
             lambda: claims().strip() == "", timeout=120)
    log("  the claim was taken over and the delivery recorded")
    # The taken-over delivery may have been sent twice; it shows once.
    arrives_once(["regional", "initiative-a", "initiative-b"], tokens,
                 fourth["object_id"], fourth["title"])
    step("the surviving national process sends a change; every follower shows it once")
    status, _ = http(PORTS["national-2"], "PATCH", f"/api/v1/articles/{fourth['id']}", tokens["national-2"],
                     {"title": "Landelijke handreiking vervoer (herzien)",
                      "summary": "Een proef van het netwerk in containers.",
                      "body": "Wat wij leerden over vervoer naar het ziekenhuis, herzien.",
                      "themes": ["vervoer"], "visibility": "public"})
    if status != 200:
        raise Failed(f"changing the national article answered {status}")
    arrives_once(["regional", "initiative-a", "initiative-b"], tokens, fourth["object_id"],
                 "Landelijke handreiking vervoer (herzien)", timeout=120)
    run("docker", "start", container("national-1"))
    wait_for("national-1 healthy again", lambda: health(container("national-1")) == "healthy", timeout=120)

    step("restart initiative A: its data is still there")
    run("docker", "restart", "-t", "10", container("initiative-a"))
    wait_for("initiative A healthy again", lambda: health(container("initiative-a")) == "healthy", timeout=120)
    _, mine = http(PORTS["initiative-a"], "GET", "/api/v1/articles", tokens["initiative-a"])
    titles = sorted(a["title"] for a in (mine["items"] if isinstance(mine, dict) else mine))
    want = sorted([first["title"], second["title"], third["title"]])
    if titles != want:
        raise Failed(f"after a restart initiative A has {titles}, expected {want}")
    if len(copies(PORTS["initiative-a"], tokens["initiative-a"], fourth["object_id"])) != 1:
        raise Failed("after a restart initiative A lost what it received")

    step("back up initiative A while it runs, restore into a new container")
    run("docker", "exec", container("initiative-a"), "noaber", "backup", "/data/e2e-backup.db")
    with tempfile.TemporaryDirectory() as tmp:
        copy = os.path.join(tmp, "backup.db")
        run("docker", "cp", f"{container('initiative-a')}:/data/e2e-backup.db", copy)
        os.chmod(tmp, 0o755)
        os.chmod(copy, 0o644)  # the container's user reads it through the mount
        run("docker", "volume", "create", EXTRA_VOLUME)
        out = run("docker", "run", "--rm", "-v", f"{EXTRA_VOLUME}:/data",
                  "-v", f"{copy}:/backup.db:ro", IMAGE, "restore", "/backup.db")
        log(f"  {out.strip()}")
    port = free_port()
    run("docker", "run", "-d", "--name", EXTRA_CONTAINER, "-p", f"127.0.0.1:{port}:8080",
        "-v", f"{EXTRA_VOLUME}:/data", IMAGE)
    wait_for("the restored node healthy", lambda: health(EXTRA_CONTAINER) == "healthy", timeout=120)
    restored_token = token(EXTRA_CONTAINER)
    _, theirs = http(port, "GET", "/api/v1/articles", restored_token)
    restored = sorted(a["title"] for a in (theirs["items"] if isinstance(theirs, dict) else theirs))
    if restored != want:
        raise Failed(f"the restored node has {restored}, expected {want}")
    if len(copies(port, restored_token, fourth["object_id"])) != 1:
        raise Failed("the restored node lacks what A had received")

    step("tear everything down")
    tear_down()
    containers, volumes, networks = leftovers()
    new_volumes = set(run("docker", "volume", "ls", "-q").split()) - volumes_before
    if containers or volumes or networks or new_volumes:
        raise Failed(f"left behind: containers {containers}, volumes {volumes + sorted(new_volumes)}, "
                     f"networks {networks}")
    log("PASSED: container end-to-end test")


if __name__ == "__main__":
    try:
        main()
    except Exception as e:
        print(f"\nFAILED in step '{step_name}': {e}", file=sys.stderr, flush=True)
        for node in NODES + [EXTRA_CONTAINER]:
            name = CONTAINERS.get(node, f"{PROJECT}_{node}_1") if node in NODES else node
            out = run("docker", "logs", "--tail", "25", name, check=False)
            print(f"\n--- last log lines of {node} ---\n{out}", file=sys.stderr)
        tear_down()
        sys.exit(1)
