from __future__ import annotations

import click

from scripts.cli_support import Options, reports_errors


@click.command()
@click.option("--port", type=click.IntRange(0, 65535), default=5000, show_default=True,
              help="Port on 127.0.0.1 (0 picks a free one).")
@click.option("--time-scale", type=float, default=1.0, show_default=True,
              help="Accepted and ignored until the StackSet engine's simulated time lands.")
@click.pass_obj
@reports_errors
def emulator(opts: Options, port: int, time_scale: float) -> None:
    """Run the local AWS emulator in the foreground until Ctrl-C.

    It stands in for the admin account (deployment.yaml) and every environment account, and
    listens on 127.0.0.1 only. Point payctl at it with --endpoint-url and any throwaway keys.

    \b
    Example:
      payctl emulator --port 5000 &
      AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing \\
        payctl --endpoint-url http://127.0.0.1:5000 deploy --all
    """
    import time

    from scripts import emulator as library
    from scripts.config import load_config
    from scripts.errors import ConfigError

    config = load_config(opts.params_dir)
    try:
        local = library.start(config.deployment.admin_account_id, port)
    except OSError as err:
        raise ConfigError(f"--port: cannot listen on 127.0.0.1:{port}: {err.strerror}") from None
    click.echo(f"emulator listening on {local.url}; Ctrl-C stops it")
    click.echo(f"  export AWS_ENDPOINT_URL={local.url} AWS_ACCESS_KEY_ID=testing "
               "AWS_SECRET_ACCESS_KEY=testing")
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        click.echo("emulator stopped")
    finally:
        local.stop()
