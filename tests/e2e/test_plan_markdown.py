"""`payctl plan --output markdown` as a pull-request workflow runs it: the comment on stdout,
and --detailed-exitcode's 2 (changes) and 0 (none), through the emulator."""

from __future__ import annotations

from emulated import Platform, deploy_all

from scripts.plan.markdown import MARKER


def test_the_comment_and_its_exit_codes_before_and_after_a_rollout(fresh: Platform) -> None:
    assert fresh.payctl("bootstrap").exit_code == 0
    before = fresh.payctl("plan", "--all", "--output", "markdown", "--detailed-exitcode")
    assert before.exit_code == 2, before.output
    assert before.stdout.startswith(MARKER + "\n")
    assert "**payctl plan: 2 StackSets and 3 accounts to change.**" in before.stdout
    assert "<b>payment-platform</b>: create StackSet (65 resources)" in before.stdout

    deploy_all(fresh)
    after = fresh.payctl("--output", "markdown", "plan", "--all", "--detailed-exitcode")
    assert after.exit_code == 0, after.output
    assert "**payctl plan: no changes.**" in after.stdout


def test_only_plan_writes_markdown_and_the_others_refuse_before_any_call(tmp_path) -> None:
    nowhere = Platform("http://127.0.0.1:9", tmp_path / "params", tmp_path / "build")
    for args in (("--output", "markdown", "status"), ("--output", "markdown", "deploy", "dev"),
                 ("--output", "json", "drift", "dev", "--output", "markdown")):
        result = nowhere.payctl(*args)  # no params/ there, no endpoint: refused before both
        assert result.exit_code == 2, result.output
        assert "only `payctl plan` writes markdown" in result.output
