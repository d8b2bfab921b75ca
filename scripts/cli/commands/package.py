from __future__ import annotations

import click

from scripts.cli.support import ROOT, Options, reports_errors


@click.command()
@click.pass_obj
@reports_errors
def package(opts: Options) -> None:
    """Zip each Lambda function deterministically into build/dist/, named by content digest.

    The same sources always give the same bytes, so the S3 key (the digest) changes exactly
    when the code does.

    \b
    Example:
      payctl package
    """
    from scripts.build.packaging import build_all

    for pkg in build_all(ROOT / "lambdas", opts.build_dir / "dist"):
        click.echo(f"{pkg.s3_key}  {pkg.zip_path.stat().st_size} bytes")
