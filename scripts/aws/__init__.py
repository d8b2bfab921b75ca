"""Reaching AWS, and what AWS publishes about itself.

`clients` holds the one session and its clients (retries, endpoints, assumed roles);
`regions` the administrator region and each environment's; `resource_schemas` and `intrinsics`
read CloudFormation's own definitions, so no fact about a resource type is kept by hand;
`longlived` tunes the process that fans out to many accounts.

May import: `scripts.errors`.
"""
