from __future__ import annotations

import click

from scripts.cli.support import Options, reports_errors


@click.command()
@click.option("--port", type=click.IntRange(0, 65535), default=5000, show_default=True,
              help="Port on 127.0.0.1 (0 picks a free one).")
@click.option("--time-scale", type=click.FloatRange(min=0), default=None,
              help="Real seconds per simulated AWS second for StackSet operations "
                   "[default: 0.005: a 10-minute CloudFront distribution takes 3 s].")
@click.pass_obj
@reports_errors
def emulator(opts: Options, port: int, time_scale: float | None) -> None:
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
    from scripts.config.reader import load_config
    from scripts.errors import ConfigError

    config = load_config(opts.params_dir)
    try:
        local = library.start(config.deployment.admin_account_id, port, time_scale)
    except OSError as err:
        raise ConfigError(f"--port: cannot listen on 127.0.0.1:{port}: {err.strerror}") from None
    click.echo(f"emulator listening on {local.url}; Ctrl-C stops it")
    click.echo(f"  export AWS_ENDPOINT_URL={local.url} AWS_ACCESS_KEY_ID=testing "
               f"AWS_SECRET_ACCESS_KEY=testing PAYCTL_POLL_SCALE={local.time_scale}")
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        click.echo("emulator stopped")
    finally:
        local.stop()
