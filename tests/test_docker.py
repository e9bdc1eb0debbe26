"""Docker files: the compose file validates, and the images run the same commands the README gives."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]


def _compose() -> dict:
    return yaml.safe_load((REPO / "docker-compose.yml").read_text())


def _readme_commands() -> list[str]:
    return re.findall(r"```bash\n(.+?)\n```", (REPO / "README.md").read_text(), flags=re.S)


@pytest.mark.skipif(shutil.which("docker-compose") is None, reason="needs Debian's docker-compose (validates only)")
def test_compose_file_validates() -> None:
    done = subprocess.run(["docker-compose", "config", "-q"], cwd=REPO, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr


def test_precompute_is_a_one_shot_service_the_web_service_waits_for() -> None:
    services = _compose()["services"]
    assert services["precompute"]["command"][:3] == ["microscope", "demo", "--no-serve"]
    assert services["web"]["command"][:2] == ["microscope", "serve"]
    assert services["web"]["depends_on"]["precompute"]["condition"] == "service_completed_successfully"
    assert "8000:8000" in services["web"]["ports"]


def test_store_lives_on_a_named_volume_both_services_mount() -> None:
    compose = _compose()
    assert "store" in compose["volumes"]
    for service in ("precompute", "web"):
        assert any(v.startswith("store:") for v in compose["services"][service]["volumes"])


def test_dockerfile_runs_the_readme_setup_and_main_commands() -> None:
    dockerfile = (REPO / "Dockerfile").read_text()
    main_command = _readme_commands()[0]
    setup = main_command.split("&&")[0].strip()
    assert setup == "pip install -e ."
    assert f"RUN {setup}" in dockerfile
    assert "microscope demo" in main_command
    assert 'CMD ["microscope", "demo"]' in dockerfile
    for line in re.findall(r"^COPY (\S+) ", dockerfile, flags=re.M):
        assert (REPO / line).exists(), f"Dockerfile copies {line}, which is not in the repository"
