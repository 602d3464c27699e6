//! The operator's command line, also while the node is running.

use noaber_tests::{ADMIN_PASSWORD, TestNode, json};
use reqwest::StatusCode;

#[tokio::test]
async fn user_commands_work_while_the_node_runs() {
    let node = TestNode::set_up().await;
    let out = node
        .cli(
            &[
                "user",
                "add",
                "Jan.Smit",
                "--role",
                "coordinator",
                "--name",
                "Jan Smit",
            ],
            "jan heeft een rode fiets",
        )
        .await
        .unwrap();
    assert!(out.contains("jan.smit"), "{out}");
    // The running node sees the new user at once.
    node.browser()
        .login("jan.smit", "jan heeft een rode fiets")
        .await;

    let list = node.cli(&["user", "list"], "").await.unwrap();
    let lines: Vec<&str> = list.lines().collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0], "active\tadmin\tbeheerder\tAnnie de Vries");
    assert_eq!(lines[1], "active\tcoordinator\tjan.smit\tJan Smit");

    let json_list = node.cli(&["user", "list", "--json"], "").await.unwrap();
    let parsed: serde_json::Value = serde_json::from_str(json_list.trim()).unwrap();
    assert_eq!(parsed[1]["username"], "jan.smit");
    assert_eq!(parsed[1]["state"], "active");

    let dup = node
        .cli(
            &["user", "add", "jan.smit", "--role", "volunteer"],
            "jan heeft een rode fiets",
        )
        .await
        .unwrap_err();
    assert!(dup.contains("bestaat al"), "{dup}");
    let bad_role = node
        .cli(
            &["user", "add", "els", "--role", "baas"],
            "els heeft een rode fiets",
        )
        .await
        .unwrap_err();
    assert!(bad_role.contains("role"), "{bad_role}");
}

#[tokio::test]
async fn disable_reset_and_enable() {
    let node = TestNode::set_up().await;
    node.cli(
        &["user", "add", "kim", "--role", "volunteer"],
        "wandelen elke dag om tien",
    )
    .await
    .unwrap();
    let browser = node.browser();
    browser.login("kim", "wandelen elke dag om tien").await;
    let token = node.token_for("kim").await;

    node.cli(&["user", "disable", "kim"], "").await.unwrap();
    assert_eq!(
        browser.get("/account").await.status(),
        StatusCode::SEE_OTHER
    );
    let res = node.api(&token).get("/api/v1/me").send().await.unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert_eq!(json(res).await["error"], "account_disabled");
    assert!(
        node.cli(&["user", "list"], "")
            .await
            .unwrap()
            .contains("disabled\tvolunteer\tkim")
    );

    node.cli(&["user", "enable", "kim"], "").await.unwrap();
    let weak = node
        .cli(&["user", "reset-password", "kim"], "kim")
        .await
        .unwrap_err();
    assert!(weak.contains("password"), "{weak}");
    node.cli(&["user", "reset-password", "kim"], "fietsen naar de markt")
        .await
        .unwrap();
    node.browser().login("kim", "fietsen naar de markt").await;

    let last = node
        .cli(&["user", "disable", "beheerder"], "")
        .await
        .unwrap_err();
    assert!(last.contains("laatste actieve beheerder"), "{last}");
    let unknown = node
        .cli(&["user", "disable", "niemand"], "")
        .await
        .unwrap_err();
    assert!(unknown.contains("bestaat niet"), "{unknown}");
}

#[tokio::test]
async fn help_lists_every_command() {
    use clap::CommandFactory;
    let mut cmd = noaber_node::cli::Cli::command();
    let help = cmd.render_long_help().to_string();
    for name in ["serve", "setup", "migrate", "check-config", "user", "token"] {
        assert!(help.contains(name), "{name} missing from help");
    }
    let user = cmd
        .find_subcommand_mut("user")
        .unwrap()
        .render_long_help()
        .to_string();
    for name in ["add", "list", "reset-password", "disable"] {
        assert!(user.contains(name), "{name} missing from user help");
    }
    let token = cmd
        .find_subcommand_mut("token")
        .unwrap()
        .render_long_help()
        .to_string();
    for name in ["create", "revoke"] {
        assert!(token.contains(name), "{name} missing from token help");
    }
    // Every command and every argument has a help text.
    cmd.build();
    for sub in cmd.get_subcommands() {
        assert!(sub.get_about().is_some(), "{} has no help", sub.get_name());
        for s in sub.get_subcommands() {
            assert!(s.get_about().is_some(), "{} has no help", s.get_name());
            for a in s.get_arguments() {
                assert!(
                    a.get_help().is_some() || a.get_id() == "help",
                    "{}: {}",
                    s.get_name(),
                    a.get_id()
                );
            }
        }
    }
}

#[tokio::test]
async fn migrate_and_check_config() {
    let node = TestNode::set_up().await;
    let out = node.cli(&["migrate"], "").await.unwrap();
    assert!(out.contains("0 migratie(s)"), "{out}");
    let out = node.cli(&["check-config"], "").await.unwrap();
    assert!(out.contains("in orde"), "{out}");
    let _ = ADMIN_PASSWORD;
}
