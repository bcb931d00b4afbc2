"""The production environment the README documents passes Django's deploy checks."""

import os
import re
import secrets
import subprocess
import sys

from django.conf import settings


def documented_production_environment() -> dict:
    readme = (settings.BASE_DIR / "README.md").read_text()
    section = readme.split("### In production", 1)[1]
    block = re.search(r"```env\n(.*?)```", section, flags=re.DOTALL).group(1)
    env = dict(line.split("=", 1) for line in block.splitlines() if line.strip())
    assert env["DEBUG"] == "false"
    env["SECRET_KEY"] = secrets.token_urlsafe(50)  # the README's is a placeholder
    return env


def run_deploy_checks(**env):
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        capture_output=True,
        text=True,
        cwd=settings.BASE_DIR,
        env={"PATH": os.environ.get("PATH", ""), "DATABASE_URL": "sqlite://:memory:"} | env,
        check=False,
    )


def test_the_documented_production_settings_pass_check_deploy_with_no_finding():
    result = run_deploy_checks(**documented_production_environment())
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_check_deploy_still_catches_a_production_setting_left_out():
    env = documented_production_environment()
    del env["SECURE_SSL_REDIRECT"]
    result = run_deploy_checks(**env)
    assert result.returncode != 0
    assert "security.W008" in result.stderr
