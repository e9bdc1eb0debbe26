"""Docker files: the compose file validates, the images run the README's commands, only one of them carries torch."""

from __future__ import annotations

import re
import shutil
import subprocess
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]


@dataclass
class Stage:
    """One build stage of the Dockerfile: what it starts from and its instructions, continuation lines joined."""

    name: str
    base: str
    instructions: list[str] = field(default_factory=list)

    def lines(self, keyword: str) -> list[str]:
        """The arguments of each instruction of one kind (RUN, COPY, CMD …), in order."""
        return [i.split(None, 1)[1] for i in self.instructions if i.split(None, 1)[0].upper() == keyword]


def _stages() -> dict[str, Stage]:
    """The Dockerfile's stages by name (unnamed ones as stage0, stage1 …)."""
    text = re.sub(r"\\\n", " ", (REPO / "Dockerfile").read_text())
    stages: dict[str, Stage] = {}
    current: Stage | None = None
    for line in (raw.strip() for raw in text.splitlines()):
        if not line or line.startswith("#"):
            continue
        if match := re.fullmatch(r"FROM\s+(?:--\S+\s+)*(\S+)(?:\s+AS\s+(\S+))?", line, flags=re.I):
            current = Stage(match[2] or f"stage{len(stages)}", match[1])
            stages[current.name] = current
        elif current is not None:
            current.instructions.append(line)
    return stages


def _built_from(stages: dict[str, Stage], name: str) -> list[Stage]:
    """The stages whose files end up in this one, itself last: the one it starts FROM, those it copies --from."""
    stage = stages[name]
    sources = [stage.base, *(m for c in stage.lines("COPY") for m in re.findall(r"--from=(\S+)", c))]
    found: list[Stage] = []
    for source in (s for s in sources if s in stages):
        found += [s for s in _built_from(stages, source) if s not in found]
    return [*found, stage]


def _installs(stages: dict[str, Stage], name: str) -> str:
    """Every RUN line that goes into a stage's image, in one string."""
    return "\n".join(run for stage in _built_from(stages, name) for run in stage.lines("RUN"))


DEPLOY = REPO / "deploy" / "docker-compose.yml"


def _compose() -> dict:
    return yaml.safe_load((REPO / "docker-compose.yml").read_text())


def _deploy() -> dict:
    return yaml.safe_load(DEPLOY.read_text())


def _readme_commands() -> list[str]:
    return re.findall(r"```bash\n(.+?)\n```", (REPO / "README.md").read_text(), flags=re.S)


@pytest.mark.skipif(shutil.which("docker-compose") is None, reason="needs Debian's docker-compose (validates only)")
@pytest.mark.parametrize("compose", [REPO / "docker-compose.yml", DEPLOY], ids=["demo", "deploy"])
def test_compose_file_validates(compose: Path) -> None:
    command = ["docker-compose", "-f", str(compose), "config", "-q"]
    done = subprocess.run(command, cwd=REPO, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr


def test_precompute_is_a_one_shot_service_the_web_service_waits_for() -> None:
    services = _compose()["services"]
    assert services["precompute"]["command"][:3] == ["microscope", "demo", "--no-serve"]
    assert services["web"]["command"][:2] == ["microscope", "serve"]
    assert services["web"]["depends_on"]["precompute"]["condition"] == "service_completed_successfully"
    assert "8000:8000" in services["web"]["ports"]


def test_a_probe_worker_serves_the_web_services_probe_url() -> None:
    services = _compose()["services"]
    probe = services["probe"]
    assert probe["command"][:2] == ["microscope", "probe-worker"] and probe["build"]["target"] == "precompute"
    port = probe["command"][probe["command"].index("--port") + 1]
    assert services["web"]["environment"]["MICROSCOPE_PROBE_URL"] == f"http://probe:{port}"
    assert "ports" not in probe  # reached by the web service only, never published


def test_store_lives_on_a_named_volume_both_services_mount() -> None:
    compose = _compose()
    assert "store" in compose["volumes"]
    for service in ("precompute", "web"):
        assert any(v.startswith("store:") for v in compose["services"][service]["volumes"])


def test_dockerfile_runs_the_readme_setup_and_main_commands() -> None:
    dockerfile = (REPO / "Dockerfile").read_text()
    precompute = _stages()["precompute"]
    main_command = _readme_commands()[0]
    setup = main_command.split("&&")[0].strip()
    assert setup == 'pip install -e ".[precompute]"'
    assert setup in precompute.lines("RUN")
    assert "microscope demo" in main_command
    assert precompute.lines("CMD") == ['["microscope", "demo"]']
    for line in re.findall(r"^COPY (?!--)(\S+) ", dockerfile, flags=re.M):
        assert (REPO / line).exists(), f"Dockerfile copies {line}, which is not in the repository"


def test_web_image_installs_neither_torch_nor_the_precompute_extra() -> None:
    stages = _stages()
    installs = _installs(stages, "web")
    assert 'pip install -e ".[postgres,parquet]"' in installs  # control: the scan does see the web stage's install
    assert not re.search(r"torch|\[precompute", installs), installs
    assert stages["web"].lines("CMD") == ['["microscope", "serve"]']


def test_web_image_installs_the_parquet_extra_so_units_parquet_works_there() -> None:
    installs = _installs(_stages(), "web")
    extras = re.findall(r'pip install -e "\.\[([^\]]*)\]"', installs)
    assert any("parquet" in found.split(",") for found in extras), installs
    parquet = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["optional-dependencies"]["parquet"]
    assert any(pin.startswith("pyarrow") for pin in parquet) and not any("torch" in pin for pin in parquet)


def test_precompute_image_installs_cpu_torch_before_the_precompute_extra() -> None:
    installs = _installs(_stages(), "precompute")
    torch = installs.find("--index-url https://download.pytorch.org/whl/cpu torch==2.14.1 torchvision==0.29.1")
    extra = installs.find('pip install -e ".[precompute]"')
    # The pinned CPU wheels first: installed after, `.[precompute]` would pull torch's CUDA build from PyPI.
    assert 0 <= torch < extra, installs


def test_the_torch_pins_match_the_precompute_extra() -> None:
    extra = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["optional-dependencies"]["precompute"]
    installs = _installs(_stages(), "precompute")
    for pin in (p for p in extra if p.startswith("torch")):
        assert pin in installs, f"the Dockerfile installs another {pin.split('==')[0]} than pyproject.toml pins"


def test_compose_builds_each_service_from_its_own_target() -> None:
    services = _compose()["services"]
    stages = _stages()
    for service in ("precompute", "web"):
        assert services[service]["build"] == {"context": ".", "target": service}
        assert service in stages
    assert services["precompute"]["image"] != services["web"]["image"]


def test_ci_runs_the_readme_test_command() -> None:
    readme_command = _readme_commands()[1]
    assert readme_command == 'pip install -e ".[precompute,test]" && python -m pytest'
    ci = (REPO / ".ci" / "run").read_text()
    # CI spells the same command with the interpreter named and pip quiet.
    assert readme_command.replace("pip install", "python3 -m pip install -q").replace("python -m", "python3 -m") in ci


def test_the_web_service_mounts_the_store_read_only() -> None:
    assert "store:/data:ro" in _compose()["services"]["web"]["volumes"]


# --- deploy/docker-compose.yml: PostgreSQL, a one-shot precompute, assets synced to nginx, web × N workers ------


def test_deployment_precomputes_into_postgresql_once_the_database_is_healthy() -> None:
    services = _deploy()["services"]
    assert services["db"]["image"].startswith("postgres:") and "pg_isready" in services["db"]["healthcheck"]["test"]
    precompute = services["precompute"]
    assert precompute["command"][:2] == ["microscope", "precompute"] and precompute["build"]["target"] == "precompute"
    assert precompute["environment"]["MICROSCOPE_DB"].startswith("postgresql://microscope:")
    assert precompute["environment"]["MICROSCOPE_DB"].endswith("@db:5432/microscope")
    assert precompute["depends_on"]["db"]["condition"] == "service_healthy"
    assert "assets:/assets" in precompute["volumes"]


def test_deployment_syncs_the_precomputed_assets_into_the_folder_nginx_serves() -> None:
    services = _deploy()["services"]
    sync = services["assets"]
    assert sync["command"][:3] == ["microscope", "assets", "sync"] and "assets:/assets:ro" in sync["volumes"]
    assert sync["depends_on"]["precompute"]["condition"] == "service_completed_successfully"
    assert sync["build"] == services["web"]["build"]  # the torch-free image
    dest = sync["command"][3]  # /www/microscope
    static = services["static"]
    assert static["image"].startswith("nginx:") and "www:/usr/share/nginx/html:ro" in static["volumes"]
    assert "www:/www" in sync["volumes"] and dest.startswith("/www/")
    assert static["depends_on"]["assets"]["condition"] == "service_completed_successfully"
    conf = next(v for v in static["volumes"] if v.endswith("/etc/nginx/conf.d/default.conf:ro")).split(":")[0]
    assert "root /usr/share/nginx/html;" in (DEPLOY.parent / conf).read_text()


def test_deployment_serves_with_several_workers_from_the_database_and_the_asset_host() -> None:
    services = _deploy()["services"]
    web, precompute, sync = services["web"], services["precompute"], services["assets"]
    command = web["command"]
    assert command[:2] == ["microscope", "serve"] and web["build"] == {"context": "..", "target": "web"}
    assert command[command.index("--workers") + 1] == "${MICROSCOPE_WORKERS:-4}"
    base = command[command.index("--asset-base-url") + 1]
    # The asset base URL is the static host's published port, at the folder the sync fills.
    assert base.endswith(":8080" + sync["command"][3].removeprefix("/www") + "}")
    assert "8080:80" in services["static"]["ports"]
    assert web["environment"]["MICROSCOPE_DB"] == precompute["environment"]["MICROSCOPE_DB"]
    assert "assets:/assets:ro" in web["volumes"] and "8000:8000" in web["ports"]
    assert web["depends_on"]["precompute"]["condition"] == "service_completed_successfully"


def test_readme_deployment_section_shows_the_compose_file() -> None:
    readme = (REPO / "README.md").read_text()
    section = re.split(r"\n#{1,3} ", readme.split("## Serving at scale", 1)[1], maxsplit=1)[0]
    assert "docker compose -f deploy/docker-compose.yml up" in section
    for word in ("--workers", "--asset-base-url", "microscope assets sync", "postgresql://"):
        assert word in section, word
