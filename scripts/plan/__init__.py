"""Pure decisions: what a deploy must change, and how the plan is reported.

`decide` compares the desired StackSets with what is deployed (the only way to know nothing
changed, as StackSets have no change sets); `template_diff` says what a template change does to
each resource, replacements included; `report` renders plans as JSON and text.

May import: `scripts.errors`, `scripts.aws`, `scripts.config`, `scripts.checks`, `scripts.build`.
No AWS calls happen here.
"""
