"""What the built templates must satisfy beyond CloudFormation's own rules.

`policy` holds the project's checks (tags, retention, encryption...), `lint` runs cfn-lint once
over every template, `permissions` derives the StackSet execution role's actions from what
CloudFormation and the deployer do in each account.

May import: `scripts.errors`, `scripts.aws`.
"""
