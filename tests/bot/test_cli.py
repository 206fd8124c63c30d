"""The careerbot command line, run as a real process the way a user runs it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.storage.db import SCHEMA_HEAD

ROOT = Path(__file__).parents[2]


def careerbot(
    *args: str, model_dir: Path, cwd: Path, stdin: str | None = None, check: bool = True
) -> subprocess.CompletedProcess[str]:
    """Run ``python -m bot`` in an empty directory, so no developer .env is read."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(
            ("TELEGRAM_", "DATABASE_URL", "NLU_", "LOG_LEVEL", "DEFAULT_TIMEZONE")
        )
    }
    env["NLU_MODEL_DIR"] = str(model_dir)
    env["KB_MODEL_DIR"] = str(model_dir.parent / "kb")
    env["PYTHONPATH"] = str(ROOT)
    return subprocess.run([sys.executable, "-m", "bot", *args], cwd=cwd, env=env, input=stdin,
                          capture_output=True, text=True, check=check, timeout=120)  # fmt: skip


def test_nlu_json_reports_intent_ranking_and_entities(model_dir: Path, tmp_path: Path) -> None:
    out = careerbot(
        "nlu",
        "I got a raise and a new title, is that a promotion?",
        "--json",
        model_dir=model_dir,
        cwd=tmp_path,
    ).stdout
    data = json.loads(out)
    assert data["intent"] == "judge_situation"
    assert len(data["ranking"]) == 3
    assert "PAY_CHANGE" in [entity["label"] for entity in data["entities"]]


def test_nlu_readable_output_names_the_intent(model_dir: Path, tmp_path: Path) -> None:
    out = careerbot("nlu", "send nudges Fridays at 6pm", model_dir=model_dir, cwd=tmp_path).stdout
    assert "nudge_settings" in out
    assert "SCHEDULE" in out
    assert '"time": "18:00"' in out


def test_jsonl_answers_every_line_and_marks_bad_ones(model_dir: Path, tmp_path: Path) -> None:
    lines = ['{"text": "hi"}', "not json", '{"text": 5}', "[1, 2]", "",
             '{"text": "drop goal 2", "id": 7}']  # fmt: skip
    out = careerbot(
        "nlu", "--jsonl", stdin="\n".join(lines) + "\n", model_dir=model_dir, cwd=tmp_path
    ).stdout.splitlines()
    answers = [json.loads(line) for line in out]
    assert len(answers) == 5
    assert answers[0]["intent"] == "greet"
    assert [a.get("line") for a in answers[1:4]] == [2, 3, 4]
    assert all("error" in a for a in answers[1:4])
    assert answers[4]["intent"] == "delete_goal"


def test_the_shell_answers_until_end_of_input(model_dir: Path, tmp_path: Path) -> None:
    out = careerbot(
        "nlu", stdin="what is a promotion?\nquit\n", model_dir=model_dir, cwd=tmp_path
    ).stdout
    assert "ask_knowledge" in out


def test_invalid_settings_exit_with_a_message_not_a_traceback(
    model_dir: Path, tmp_path: Path
) -> None:
    (tmp_path / ".env").write_text("DEFAULT_TIMEZONE=Nowhere/Land\n")
    result = careerbot("nlu", "hi", model_dir=model_dir, cwd=tmp_path, check=False)
    assert result.returncode == 2
    assert "invalid settings" in result.stderr
    assert "Traceback" not in result.stderr


def test_help_lists_every_command(tmp_path: Path, model_dir: Path) -> None:
    out = careerbot("--help", model_dir=model_dir, cwd=tmp_path).stdout
    for command in ("train", "nlu", "eval", "bench"):
        assert command in out


@pytest.mark.parametrize("flag", ["--json", ""])
def test_eval_prints_both_models(
    model_dir: Path, kb_model_dir: Path, tmp_path: Path, flag: str
) -> None:
    out = careerbot("eval", *([flag] if flag else []), model_dir=model_dir, cwd=tmp_path).stdout
    if flag:
        report = json.loads(out)
        assert {"model", "baseline"} <= report["nlu"].keys()
        assert {"top1_accuracy", "baseline_top1_accuracy"} <= report["ask"].keys()
        assert {"accuracy", "baseline_accuracy"} <= report["judge"].keys()
    else:
        assert "baseline" in out
        assert "Confusion matrix" in out
        assert "Knowledge answers" in out
        assert "Verdicts" in out


def test_ask_json_names_the_entry_and_its_sources(
    model_dir: Path, kb_model_dir: Path, tmp_path: Path
) -> None:
    out = careerbot("ask", "can I grow without being promoted?", "--json",
                    model_dir=model_dir, cwd=tmp_path).stdout  # fmt: skip
    data = json.loads(out)
    assert data["entry_id"] == "grow-without-promotion"
    assert data["fallback"] is False
    assert data["sources"]


def test_ask_jsonl_answers_every_line(model_dir: Path, kb_model_dir: Path, tmp_path: Path) -> None:
    lines = '{"text": "what is a lateral move?"}\n{"text": "how do I bake bread?"}\n{oops\n'
    out = careerbot("ask", "--jsonl", stdin=lines, model_dir=model_dir, cwd=tmp_path).stdout
    answers = [json.loads(line) for line in out.splitlines()]
    assert [a.get("fallback") for a in answers] == [False, True, None]
    assert answers[2]["line"] == 3


def test_kb_validate_passes_on_the_packaged_base(model_dir: Path, tmp_path: Path) -> None:
    out = careerbot("kb", "validate", model_dir=model_dir, cwd=tmp_path).stdout
    assert "OK" in out


def test_run_without_a_token_explains_and_exits_non_zero(model_dir: Path, tmp_path: Path) -> None:
    out = careerbot("run", model_dir=model_dir, cwd=tmp_path, check=False)
    assert out.returncode == 2
    assert "@BotFather" in out.stderr
    assert "careerbot chat" in out.stderr
    assert "Traceback" not in out.stderr


def test_the_default_command_opens_the_console_chat_without_a_token(
    model_dir: Path, tmp_path: Path
) -> None:
    out = careerbot(model_dir=model_dir, cwd=tmp_path, stdin="/start\n1\n/quit\n")
    assert "console chat" in out.stderr
    assert "[3] Is my change a promotion?" in out.stdout
    assert "Source:" in out.stdout  # "1" pressed the first button: a knowledge answer
    assert (tmp_path / "data" / "careerbot.db").is_file()


def test_db_upgrade_creates_the_schema(model_dir: Path, tmp_path: Path) -> None:
    out = careerbot("db", "upgrade", model_dir=model_dir, cwd=tmp_path)
    assert f"revision {SCHEMA_HEAD}" in out.stdout
