"""The StackSet engine: read what is deployed, carry out a plan, wait, stop and resume.

    deployer         reads StackSets and instances; applies a plan one API step at a time
    schedule         the `parallel` schedule: StackSets side by side, one operation each
    ideal            the ideal schedule of the same operations: the floor
    operations       waits for an operation, every status classified in one place
    progress         shows running operations as counts on stderr
    timeline         what the waiter saw of each account, over time: the rollout report's data
    others           someone else's operations on the same StackSets
    instance_stacks  an instance's own stack in its account
    artifacts        the admin account's buckets for code and oversized templates
    lock             one deploy or destroy at a time per checkout
    pending          what a stopped command left running, saved for --resume
    stopping         what a stop (Ctrl-C, SIGTERM, --timeout) saves and says
    reattach         waits again for saved operations

May import: `scripts.errors`, `scripts.aws`, `scripts.config`, `scripts.checks`, `scripts.build`,
`scripts.plan`.
"""
