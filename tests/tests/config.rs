//! A bad setting stops the start with one line naming the key.

use noaber_node::cli::Cli;
use noaber_tests::TestIo;
use std::collections::HashMap;

async fn check(args: &[&str], env: &[(&str, &str)]) -> Result<String, String> {
    use clap::Parser;
    let mut argv = vec!["noaber"];
    argv.extend_from_slice(args);
    let cli = Cli::try_parse_from(argv).map_err(|e| e.to_string())?;
    let mut io = TestIo {
        out: Vec::new(),
        password: String::new(),
        env: env
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect::<HashMap<_, _>>(),
    };
    noaber_node::cli::run(cli, &mut io)
        .await
        .map_err(|e| e.to_string())?;
    Ok(String::from_utf8_lossy(&io.out).into_owned())
}

#[tokio::test]
async fn bad_values_are_named_in_one_line() {
    for (args, env, key) in [
        (vec!["serve", "--listen", "overal"], vec![], "--listen"),
        (
            vec!["check-config"],
            vec![("NOABER_SERVER_LISTEN", "8080")],
            "NOABER_SERVER_LISTEN",
        ),
        (
            vec!["check-config"],
            vec![("NOABER_LOG_FORMAT", "xml")],
            "NOABER_LOG_FORMAT",
        ),
        (
            vec!["check-config"],
            vec![("DATABASE_URL", "mysql://x")],
            "DATABASE_URL",
        ),
        (
            vec!["check-config"],
            vec![("NOABER_AUTH_SESSION_DAYS", "0")],
            "NOABER_AUTH_SESSION_DAYS",
        ),
    ] {
        let err = check(&args, &env).await.unwrap_err();
        assert!(err.contains(key), "{key}: {err}");
        assert!(!err.trim().contains('\n'), "one line: {err}");
    }
}

#[tokio::test]
async fn a_config_file_is_read_and_checked() {
    let dir = noaber_tests::TempDir::new();
    let file = dir.0.join("noaber.toml");
    std::fs::write(&file, "[server]\nlisten = \"127.0.0.1:9123\"\n").unwrap();
    let path = file.display().to_string();
    let out = check(&["--config", &path, "check-config"], &[])
        .await
        .unwrap();
    assert!(out.contains("127.0.0.1:9123"), "{out}");

    std::fs::write(&file, "[database]\nmax_connections = \"veel\"\n").unwrap();
    let err = check(&["--config", &path, "check-config"], &[])
        .await
        .unwrap_err();
    assert!(err.contains("database.max_connections"), "{err}");

    let missing = check(&["--config", "/bestaat/niet.toml", "check-config"], &[])
        .await
        .unwrap_err();
    assert!(missing.contains("/bestaat/niet.toml"), "{missing}");
}
