"""The plan as a pull-request comment: what changes first (data loss above all), one section per
StackSet, values that cannot break the comment, and a fleet's detail folded so the comment stays
under GitHub's 65,536 characters, saying so."""

from __future__ import annotations

from typing import Any

from scripts.plan.markdown import GITHUB_LIMIT, MARKER, render_markdown

DEV = {"environment": "dev", "account": "123456789012", "region": "us-east-1"}


def target(n: int, environment: str = "dev") -> dict[str, str]:
    return {"environment": environment, "account": str(210000000000 + n), "region": "us-east-1"}


def stack_set(**fields: Any) -> dict[str, Any]:
    return {"name": "payment-platform", "action": "update", "resource_count": 65,
            "add_instances": [], "update_instances": [], "stack_set_update": [],
            "retry_instances": [], "template_changed": False, "sections_changed": [],
            "resources": [], "stack_set_parameters": [], "stack_set_roles": [], "tags_changed": False,
            "parameter_overrides": [], "instance_templates": [], "recover_instances": [], "retry_imports": [],
            **fields}


def resource(logical_id: str, **fields: Any) -> dict[str, Any]:
    return {"logical_id": logical_id, "type": "AWS::Lambda::Function", "action": "modify",
            "replacement": "False", "stateful": False, "data_loss": False,
            "properties": [{"name": "MemorySize", "old": 512, "new": 1024,
                            "replacement": "False"}], **fields}


def doc(*stack_sets: dict[str, Any], data_loss: list[str] | None = None) -> dict[str, Any]:
    return {"changes": any(s["action"] != "none" for s in stack_sets),
            "data_loss": data_loss or [], "stack_sets": list(stack_sets)}


def test_a_small_plan_reads_as_a_summary_then_one_section_per_stack_set() -> None:
    text = render_markdown(doc(
        stack_set(template_changed=True, resources=[resource("PaymentProcessor")],
                  stack_set_update=[DEV], parameter_overrides=[
                      {**DEV, "key": "LambdaMemorySize", "old": "512", "new": "1024"}]),
        stack_set(name="payment-platform-edge", action="none")))
    assert text.startswith(MARKER + "\n")
    assert "**payctl plan: 1 StackSet and 1 account to change.**" in text
    assert "<details><summary><b>payment-platform</b>: update: 1 modified</summary>" in text
    assert "| ✏️ | `PaymentProcessor` | AWS::Lambda::Function | no |" in text
    assert "- dev (123456789012 us-east-1): `LambdaMemorySize` <code>512</code> → <code>1024</code>" in text
    assert "**payment-platform-edge**: no changes" in text
    assert text.count("<details>") == text.count("</details>") == 1
    assert "folded" not in text


def test_data_loss_comes_before_everything_else() -> None:
    table = resource("TransactionsTable", type="AWS::DynamoDB::Table", replacement="True",
                     stateful=True, data_loss=True)
    text = render_markdown(doc(stack_set(template_changed=True, resources=[table]),
                               data_loss=["payment-platform/TransactionsTable"]))
    lines = text.splitlines()
    assert lines[1] == "> [!CAUTION]"
    assert "would lose their data**: payment-platform/TransactionsTable" in lines[2]
    assert "`--allow-data-loss`" in lines[2]
    assert "**yes** ⚠️ **stateful" in text


def test_values_cannot_break_the_table_or_the_html() -> None:
    hostile = "a|b</details><script>`x`"
    text = render_markdown(doc(stack_set(parameter_overrides=[
        {**DEV, "key": "AlarmEmail", "old": None, "new": hostile}])))
    assert "<script>" not in text and "</details><script>" not in text
    assert "<code>a&#124;b&lt;/details&gt;&lt;script&gt;`x`</code>" in text
    assert "<code>(none)</code>" in text


def test_no_changes_says_so() -> None:
    text = render_markdown(doc(stack_set(action="none"), stack_set(name="edge", action="none")))
    assert "**payctl plan: no changes.**" in text


def fleet(accounts: int, distinct: bool = False) -> dict[str, Any]:
    """A change of three parameters in `accounts` dev accounts (each its own values if
    `distinct`) and of a template resource."""
    targets = [target(n) for n in range(accounts)]
    overrides = [{**t, "key": key, "old": "512", "new": f"{1024 + n}" if distinct else "1024"}
                 for n, t in enumerate(targets)
                 for key in ("LambdaMemorySize", "LambdaTimeout", "ReservedConcurrency")]
    return doc(stack_set(template_changed=True, resources=[resource("PaymentProcessor")],
                         stack_set_update=targets, update_instances=targets,
                         parameter_overrides=overrides))


def test_a_300_account_change_reads_as_one_line_per_change_and_names_every_account() -> None:
    text = render_markdown(fleet(300))
    assert len(text) < GITHUB_LIMIT - 1000
    assert "**payctl plan: 1 StackSet and 300 accounts to change.**" in text
    # accounts with the same change: one line with the count and the change, the accounts under it
    assert "- 300 accounts in dev: `LambdaMemorySize` <code>512</code> → <code>1024</code>; " \
        "`LambdaTimeout`" in text
    assert "\n  - 210000000000 us-east-1, 210000000001 us-east-1, " in text
    assert all(text.count(f"{210000000000 + n} us-east-1") == 3 for n in range(300))  # 2 lists + overrides
    assert "- template redeploys: 300 in dev\n  - dev: 210000000000 us-east-1, " in text
    assert "folded" not in text


def test_a_fleet_too_big_to_name_counts_accounts_with_the_same_changes_and_says_so() -> None:
    text = render_markdown(fleet(1500))
    assert len(text) < GITHUB_LIMIT - 1000
    assert "- 1500 accounts in dev: `LambdaMemorySize` <code>512</code> → <code>1024</code>; " in text
    assert "210000001499" not in text
    assert "Per-account detail folded (accounts with the same changes counted, not named)" in text
    assert "- template redeploys: 1500 in dev\n" in text


def test_a_few_accounts_are_named_one_by_one() -> None:
    text = render_markdown(fleet(3))
    assert all(f"- dev ({210000000000 + n} us-east-1): `LambdaMemorySize`" in text for n in range(3))
    assert "- instances updated: dev (210000000000 us-east-1), dev (210000000001 us-east-1)" in text
    assert "folded" not in text


def test_a_fleet_of_distinct_changes_folds_to_counts_per_environment() -> None:
    text = render_markdown(fleet(2000, distinct=True))
    assert len(text) < GITHUB_LIMIT - 1000
    assert "- dev: 2000 accounts change `LambdaMemorySize`, `LambdaTimeout`, " \
        "`ReservedConcurrency`" in text
    assert "counts per environment" in text


def test_a_plan_too_big_even_as_counts_is_cut_with_a_marker() -> None:
    many = [resource(f"Function{n}", properties=[{"name": "Code" * 40, "old": "x", "new": "y",
                                                  "replacement": "False"}]) for n in range(600)]
    text = render_markdown(doc(stack_set(template_changed=True, resources=many)))
    assert len(text) <= GITHUB_LIMIT - 1536
    assert text.endswith("run `payctl plan --all` for all of it.\n")
