"""`outboard serve`: the web app and REST API."""

from __future__ import annotations

import typer

from outboard.cli.output import console


def register(app: typer.Typer) -> None:
    @app.command("serve")
    def serve(
        host: str = typer.Option("127.0.0.1", help="Address to listen on (0.0.0.0 for every interface)."),
        port: int = typer.Option(8000, help="Port to listen on."),
        worker: bool | None = typer.Option(
            None, "--worker/--no-worker",
            help="Run background jobs inside this process (default: yes with the sqlite or immediate job backend)."),
        proxy: bool = typer.Option(False, "--proxy", help="Trust X-Forwarded-For/-Proto from a reverse proxy on "
                                                          "this machine (client addresses for the sign-in limit)."),
    ) -> None:
        """Serve the web app and the REST API (/api, reference at /api/docs)."""
        import uvicorn

        from outboard.jobs.runner import InProcessConsumer
        from outboard.runtime import runtime
        from outboard.web.app import create_app

        rt = runtime()
        application = create_app(rt)
        in_process = worker if worker is not None else rt.settings.job_backend in ("sqlite", "immediate")
        console.print(f"Outboard on http://{host}:{port}  (public URL {rt.settings.public_url}); "
                      f"jobs {'in this process' if in_process else 'need `outboard worker`'}", highlight=False)
        config = uvicorn.Config(application, host=host, port=port, proxy_headers=proxy,
                                forwarded_allow_ips="127.0.0.1" if proxy else None, log_level="info",
                                server_header=False)
        if in_process:
            with InProcessConsumer(rt):
                uvicorn.Server(config).run()
        else:
            uvicorn.Server(config).run()
