"""`make bench` (`python -m scripts.bench`): how long a rollout takes on AWS, simulated.

`floor` computes the ideal schedule from the templates and the deployment settings (pure);
`drive` runs one payctl command in a child process and reports its calls, CPU and memory;
`__main__` starts the emulator, generates fleets, runs the phases and prints the table.

May import: every package; it drives payctl and the emulator from the outside.
"""
