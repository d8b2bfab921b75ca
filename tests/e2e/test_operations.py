"""Operating the platform over HTTP: status, destroy, a failing account, and the demo itself."""

from __future__ import annotations

import json
import re
import subprocess
import sys

from emulated import Platform, answer_with_error, deploy_all

from scripts.cli.support import ROOT


def test_status_shows_every_instance_current_and_up_to_date(deployed: Platform) -> None:
    result = deployed.payctl("status", "--output", "json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert {(r["stack_set"], r["environment"]) for r in rows} == {
        (s, e) for s in ("payment-platform", "payment-platform-edge") for e in ("dev", "staging", "prod")}
    assert {(r["status"], r["behind"]) for r in rows} == {("CURRENT", False)}


def test_destroy_prod_needs_more_than_yes(deployed: Platform) -> None:
    result = deployed.payctl("destroy", "prod", "--yes")
    assert result.exit_code == 2
    assert "--confirm-environment prod" in result.output
    assert deployed.client("dynamodb", "prod").list_tables()["TableNames"]


def test_destroy_removes_one_environment_and_keeps_its_data(fresh: Platform) -> None:
    deploy_all(fresh)
    bucket = "payment-audit-logs-dev-123456789012-us-east-1"
    item = {"transaction_id": {"S": "t-1"}, "timestamp": {"N": "1"}, "customer_id": {"S": "c-1"}}
    fresh.client("dynamodb", "dev").put_item(TableName="payment-transactions-dev", Item=item)
    fresh.client("s3", "dev").put_object(Bucket=bucket, Key="audit/t-1.json", Body=b"{}")

    result = fresh.payctl("destroy", "dev", "--yes")

    assert result.exit_code == 0, result.output
    assert "payment-transactions-dev" in result.output and "payment-audit-logs-dev" in result.output
    dynamodb = fresh.client("dynamodb", "dev")
    assert set(dynamodb.list_tables()["TableNames"]) == {"payment-transactions-dev", "payment-sessions-dev"}
    assert dynamodb.scan(TableName="payment-transactions-dev")["Items"] == [item]
    assert fresh.client("s3", "dev").get_object(Bucket=bucket, Key="audit/t-1.json")["Body"].read() == b"{}"
    assert fresh.client("lambda", "dev").list_functions()["Functions"] == []
    rows = json.loads(fresh.payctl("status", "--output", "json").output)
    assert {r["status"] for r in rows if r["environment"] == "dev"} == {"NOT DEPLOYED"}
    assert {r["status"] for r in rows if r["environment"] != "dev"} == {"CURRENT"}
    assert fresh.client("lambda", "staging").list_functions()["Functions"]


def test_an_account_that_fails_is_reported_and_retried_alone(fresh: Platform) -> None:
    """Someone already made an IAM role under the name dev's stack gives one: dev's stack fails,
    and deploy names the account and CloudFormation's reason, and exits 1; once the name is free,
    the next deploy retries just that account (adopting what the failed creation retained).
    (A retained name taken elsewhere is refused before any operation: test_redeploy_adopts.)"""
    assert fresh.payctl("bootstrap").exit_code == 0
    squatted = "payment-flow-logs-role-dev"
    iam = fresh.client("iam", "dev")
    iam.create_role(RoleName=squatted, AssumeRolePolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                "Principal": {"Service": "ec2.amazonaws.com"}}]}))

    result = fresh.payctl("deploy", "dev")

    assert result.exit_code == 1
    assert "123456789012" in result.output and "FAILED" in result.output
    assert "already exists" in result.output

    # The failed instance is left behind: status shows it, plan offers to redeploy only it.
    rows = json.loads(fresh.payctl("status", "dev", "--output", "json").output)
    failed = {r["status"] for r in rows if r["stack_set"] == "payment-platform"}
    assert failed <= {"OUTDATED", "INOPERABLE"} and failed, rows
    plan = fresh.payctl("plan", "dev")
    assert "is OUTDATED: redeploy it" in plan.output or "is INOPERABLE: redeploy it" in plan.output

    # Once the name is free again, deploy retries that account alone, with new operation ids.
    cfn = fresh.aws().client("cloudformation")
    before = {o["OperationId"] for o in
              cfn.list_stack_set_operations(StackSetName="payment-platform")["Summaries"]}
    iam.delete_role(RoleName=squatted)
    retried = fresh.payctl("deploy", "dev", "--no-manifests")
    assert retried.exit_code == 0, retried.output
    operations = cfn.list_stack_set_operations(StackSetName="payment-platform")["Summaries"]
    new = [o for o in operations if o["OperationId"] not in before]
    assert new
    for operation in new:
        results = cfn.list_stack_set_operation_results(
            StackSetName="payment-platform", OperationId=operation["OperationId"])["Summaries"]
        assert [r["Account"] for r in results] == ["123456789012"]
    rows = json.loads(fresh.payctl("status", "dev", "--output", "json").output)
    assert {r["status"] for r in rows} == {"CURRENT"}


def test_demo_runs_end_to_end_as_a_user_runs_it(tmp_path) -> None:
    result = subprocess.run([sys.executable, "-m", "scripts.cli", "--build-dir", str(tmp_path), "demo"],
                            cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert "second deploy: no changes" in result.stdout
    assert "0 write calls" in result.stdout
    for env in ("dev", "staging", "prod"):
        assert (tmp_path / "manifests" / f"resource-manifest-{env}.json").exists()
    assert_shaped_as_readme(result.stdout.splitlines())


def shape(line: str) -> re.Pattern[str]:
    """A shown line as a pattern: its words as they are, and any run of letters and digits that
    holds a digit (timings, counts) as any such run."""
    pattern = ""
    for word in re.split(r"(\s+)", line.strip()):
        pattern += r"\s+" if word.isspace() else "".join(
            "[A-Za-z0-9]+" if re.search(r"[0-9]", run) else re.escape(run)
            for run in re.split(r"([A-Za-z0-9]+)", word))
    return re.compile(pattern)


def generic(line: str) -> str:
    """A line without what AWS generates (API ids, hosted zone ids) or the build folder."""
    line = re.sub(r"^(manifest|rollout report): \S*/", r"\1: ", line)
    line = re.sub(r"https://[a-z0-9]+\.", "https://API-ID.", line)
    return re.sub(r"hosted zone [A-Z0-9]+", "hosted zone ZONE-ID", line)


def assert_shaped_as_readme(output: list[str]) -> None:
    """README.md shows the demo's output; a real run has its table's columns, every row shown
    (environment, account, StackSet, status, the kind of key output), the manifest lines and
    the last lines, whatever the ids and numbers."""
    readme = (ROOT / "README.md").read_text()
    shown = [generic(line) for line in
             readme[readme.index("```\nENV ") + 4:].split("\n```", 1)[0].splitlines()]
    start = next(i for i, line in enumerate(output) if line.startswith("ENV "))
    real = [generic(line) for line in output[start:]]
    assert real[0].split() == shown[0].split(), "the table's columns"
    table = [line.split() for line in real[1:real.index("")]]
    blank = shown.index("")
    for line in shown[1:blank]:
        assert line == "..." or line.split() in table, f"no row {line!r}"
    for line in shown[blank:]:
        assert line in ("", "...") or any(shape(line).fullmatch(r) for r in real), \
            f"no line shaped as {line!r}"
    for mine, theirs in zip(shown[-2:], real[-2:], strict=True):
        assert shape(mine).fullmatch(theirs), (mine, theirs)


def test_drift_finds_a_change_made_by_hand_offline(fresh: Platform) -> None:
    """A function's memory changed in the console shows up as drift on that account only,
    with the property's expected and actual values, and drift exits 3 (drift found)."""
    deploy_all(fresh)
    fresh.client("lambda", "dev").update_function_configuration(
        FunctionName="payment-processor-dev", MemorySize=1024)

    result = fresh.payctl("drift", "dev", "staging", "prod")

    assert result.exit_code == 3, result.output
    assert "payment-platform  dev (123456789012)  DRIFTED" in result.output
    assert "/MemorySize: 512 -> 1024 (NOT_EQUAL)" in result.output
    assert "payment-platform  prod (345678901234)  IN_SYNC" in result.output


def test_access_denied_on_the_execution_role_is_one_line(deployed: Platform, monkeypatch) -> None:
    """The admin account may no longer assume the execution role (a changed trust policy)."""
    answer_with_error(monkeypatch, "sts.AssumeRole", 403, (
        b"<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>not "
        b"authorized to perform: sts:AssumeRole</Message></Error></ErrorResponse>"))
    result = deployed.payctl("manifest", "prod")
    assert result.exit_code == 1
    assert result.output == ("error: cannot assume arn:aws:iam::345678901234:role/"
                             "AWSCloudFormationStackSetExecutionRole: AccessDenied: not authorized "
                             "to perform: sts:AssumeRole\n")


def test_ctrl_c_saves_the_operation_and_resume_reattaches(fresh: Platform, monkeypatch) -> None:
    import botocore.session

    assert fresh.payctl("bootstrap").exit_code == 0
    original = botocore.session.Session.__init__

    def ctrl_c(**_: object) -> None:
        raise KeyboardInterrupt

    def init(self, *args, **kwargs) -> None:
        original(self, *args, **kwargs)
        self.register("before-call.cloudformation.DescribeStackSetOperation", ctrl_c)

    monkeypatch.setattr(botocore.session.Session, "__init__", init)
    interrupted = fresh.payctl("deploy", "dev", "--no-manifests")
    monkeypatch.setattr(botocore.session.Session, "__init__", original)

    assert interrupted.exit_code == 130
    assert "keeps running in CloudFormation" in interrupted.output
    saved = json.loads((fresh.build_dir / "state" / "pending-operation.json").read_text())
    [operation] = saved["operations"]
    assert operation["stack_set"] == "payment-platform"
    assert operation["operation_id"].startswith("add-dev-")
    saved = operation

    resumed = fresh.payctl("deploy", "--resume")

    assert resumed.exit_code == 0, resumed.output
    assert f"payment-platform: operation {saved['operation_id']} SUCCEEDED" in resumed.output
    assert not (fresh.build_dir / "state" / "pending-operation.json").exists()
    assert fresh.payctl("deploy", "--resume").exit_code == 2  # nothing saved any more
