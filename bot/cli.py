"""The ``careerbot`` command line (also ``python -m bot``): one entry point for every job."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from pydantic import ValidationError

from bot.app import load_nlu, load_retriever
from bot.config import Settings
from bot.logs import configure_logging

if TYPE_CHECKING:
    from knowledge.advisor import Judgement
    from knowledge.retrieval import Answer
    from nlu.pipeline import NluResult

log = logging.getLogger(__name__)


# --- careerbot train -------------------------------------------------------------------------


def cmd_train(settings: Settings, args: argparse.Namespace) -> int:
    """Build the NLU pipeline and the knowledge classifier with spacy train."""
    from knowledge import classifier
    from nlu.train import train

    output = args.output or settings.nlu_model_dir
    train(output)
    print(f"NLU model written to {output}")
    if args.output is None:
        classifier.train(settings.kb_model_dir)
        print(f"knowledge classifier written to {settings.kb_model_dir}")
    return 0


# --- careerbot nlu ---------------------------------------------------------------------------


def render_result(result: NluResult) -> str:
    """A readable account of what the NLU understood."""
    lines = [f"intent:     {result.intent.value} ({result.confidence:.2f}, {result.reason})"]
    if result.fallback:
        options = ", ".join(intent.value for intent, _ in result.ranking)
        lines.append(f"unsure:     the bot would ask: did you mean {options}?")
    ranking = "  ".join(f"{intent.value} {score:.2f}" for intent, score in result.ranking)
    lines.append(f"ranking:    {ranking}")
    if not result.entities:
        lines.append("entities:   none")
    for index, entity in enumerate(result.entities):
        head = "entities:  " if index == 0 else "           "
        value = json.dumps(entity.value, ensure_ascii=False)
        lines.append(f"{head} {entity.label:<10} {entity.text!r:<24} {value}")
    return "\n".join(lines)


def _jsonl_requests(stream: TextIO) -> Iterator[tuple[int, str | None, str | None]]:
    """(line number, text, error) for each non-blank input line."""
    for number, line in enumerate(stream, start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError as error:
            yield number, None, f"invalid JSON: {error.msg}"
            continue
        if not isinstance(item, dict) or not isinstance(item.get("text"), str):
            yield number, None, 'expected an object with a string "text"'
            continue
        yield number, item["text"], None


def run_jsonl(
    source: TextIO,
    sink: TextIO,
    answer: Callable[[list[str]], Iterable[dict[str, Any]]],
    *,
    chunk: int = 256,
) -> int:
    """Answer each ``{"text": ...}`` line with one JSON object, in order; a bad line gets an
    error object. Texts go to ``answer`` in chunks, so batch readers (``nlp.pipe``) can work."""
    requests = _jsonl_requests(source)
    while batch := list(islice(requests, chunk)):
        answers = iter(answer([text for _, text, _ in batch if text is not None]))
        for number, text, error in batch:
            out = {"line": number, "error": error} if text is None else next(answers)
            sink.write(json.dumps(out, ensure_ascii=False) + "\n")
        sink.flush()
    return 0


def cmd_nlu(settings: Settings, args: argparse.Namespace) -> int:
    """Show what the NLU understands of a message, of JSONL on stdin, or in an interactive shell."""
    nlu = load_nlu(settings)
    if args.jsonl:
        return run_jsonl(sys.stdin, sys.stdout,
                         lambda texts: (r.to_dict() for r in nlu.parse_many(texts)))  # fmt: skip
    if args.text is not None:
        result = nlu.parse(args.text)
        print(
            json.dumps(result.to_dict(), ensure_ascii=False, indent=2)
            if args.json
            else render_result(result)
        )
        return 0
    print(
        "careerbot NLU shell: type a message to see what the bot understands "
        "(Ctrl-D or 'quit' to leave)."
    )
    while True:
        try:
            text = input("you> ")
        except (EOFError, KeyboardInterrupt):
            print()
            return 0
        if text.strip().lower() in {"quit", "exit"}:
            return 0
        result = nlu.parse(text)
        print(
            json.dumps(result.to_dict(), ensure_ascii=False) if args.json else render_result(result)
        )


# --- careerbot ask and kb -------------------------------------------------------------------


def render_answer(answer: Answer) -> str:
    """A readable answer with its source and confidence."""
    lines = [answer.answer, ""]
    if answer.fallback:
        lines.append(f"(fallback: confidence {answer.confidence:.2f} is below the threshold)")
    else:
        sources = "; ".join(f"{s['title']} — {s['section']}" for s in answer.sources)
        lines.append(f"entry:      {answer.entry_id} (confidence {answer.confidence:.2f})")
        lines.append(f"source:     {sources}")
        if answer.related:
            lines.append(f"related:    {', '.join(answer.related)}")
    return "\n".join(lines)


def cmd_ask(settings: Settings, args: argparse.Namespace) -> int:
    """Answer a question about career advancement and promotion from the knowledge base."""
    retriever = load_retriever(settings)
    if args.jsonl:
        return run_jsonl(
            sys.stdin, sys.stdout, lambda texts: [retriever.ask(t).to_dict() for t in texts]
        )
    if args.text is None:
        print("careerbot ask: give a question, or --jsonl to read them from stdin",
              file=sys.stderr)  # fmt: skip
        return 2
    answer = retriever.ask(args.text)
    print(json.dumps(answer.to_dict(), ensure_ascii=False, indent=2) if args.json
          else render_answer(answer))  # fmt: skip
    return 0


def cmd_kb(settings: Settings, args: argparse.Namespace) -> int:
    """Check the knowledge base, or calibrate its retrieval."""
    from pydantic import ValidationError as DataError

    from knowledge.base import load_knowledge, problems

    try:
        kb = load_knowledge()
    except (DataError, OSError) as error:
        print(f"knowledge base does not load:\n{error}", file=sys.stderr)
        return 1
    if args.action == "calibrate":
        from knowledge.calibrate import calibrate
        from knowledge.retrieval import Settings as RetrievalSettings

        print(json.dumps(calibrate(kb, RetrievalSettings.load()), indent=2))
        return 0
    found = problems(kb)
    for problem in found:
        print(f"problem: {problem}")
    print(f"{len(kb.entries)} entries, {len(kb.tips)} tips, {len(kb.topics)} topics, "
          f"{len(kb.documents)} source documents, {len(kb.out_of_scope)} out-of-scope "
          "questions: "
          f"{'OK' if not found else f'{len(found)} problems'}")  # fmt: skip
    return 1 if found else 0


def render_judgement(judgement: Judgement) -> str:
    """A readable verdict with its reasons, facts and any follow-up question."""
    lines = [f"verdict:    {judgement.verdict.value}: {judgement.summary}"]
    lines += [f"because:    {text} [{entry}]" for text, entry in judgement.reasons]
    known = {k: v for k, v in judgement.facts.to_dict().items() if v not in (None, False, [])}
    lines.append(f"facts:      {json.dumps(known)}")
    if judgement.question is not None:
        options = " / ".join(f"{label} ({judgement.question.id}={value})"
                             for label, value in judgement.question.options)  # fmt: skip
        lines.append(f"question:   {judgement.question.text}")
        lines.append(f"answers:    {options}")
    return "\n".join(lines)


def cmd_judge(settings: Settings, args: argparse.Namespace) -> int:
    """Say whether a described situation is a promotion or advancement, and why."""
    from knowledge.advisor import judge

    nlu = load_nlu(settings)

    def run(text: str, answers: list[tuple[str, str]]) -> Judgement:
        return judge(text, nlu.parse(text).entities, answers=answers)

    if args.jsonl:
        return run_jsonl(sys.stdin, sys.stdout,
                         lambda texts: [run(text, []).to_dict() for text in texts])  # fmt: skip
    if args.text is None:
        print("careerbot judge: describe a situation, or --jsonl to read them from stdin",
              file=sys.stderr)  # fmt: skip
        return 2
    answers = [tuple(answer.partition("=")[::2]) for answer in args.answer]
    try:
        judgement = run(args.text, answers)
    except ValueError as error:  # an answer that is not one of the question's options
        print(f"careerbot judge: {error}", file=sys.stderr)
        return 2
    print(json.dumps(judgement.to_dict(), ensure_ascii=False, indent=2) if args.json
          else render_judgement(judgement))  # fmt: skip
    return 0


# --- careerbot eval and bench ----------------------------------------------------------------


def cmd_eval(settings: Settings, args: argparse.Namespace) -> int:
    """Score the NLU, the knowledge answers and the verdicts on held-out data, with baselines."""
    try:
        import sklearn  # noqa: F401  (the NLU baseline needs it)
    except ImportError:
        print("careerbot eval needs the development extra: pip install -e '.[dev]'",
              file=sys.stderr)  # fmt: skip
        return 2
    from knowledge.evaluate import (
        HOLDOUT_QUESTIONS_PATH,
        HOLDOUT_SITUATIONS_PATH,
        evaluate_ask,
        evaluate_judge,
    )
    from knowledge.evaluate import render as render_knowledge
    from nlu.evaluate import evaluate, render_report

    if args.answers:
        from bot.conversation.answers_score import CORPUS_DIR, read_rows
        from bot.conversation.answers_score import score as score_answers

        print(json.dumps(score_answers(read_rows(sorted(CORPUS_DIR.glob("*.jsonl")))), indent=2))
        return 0
    nlu = load_nlu(settings)
    retriever = load_retriever(settings)
    if args.conversations:
        return _eval_conversations(settings, nlu, retriever, args.conversations, args.misses)
    if args.blind:
        return _eval_blind(nlu, retriever)
    report = {
        "nlu": evaluate(nlu),
        "ask": evaluate_ask(retriever),
        "judge": evaluate_judge(nlu),
        "holdout_ask": evaluate_ask(retriever, (HOLDOUT_QUESTIONS_PATH,)),
        "holdout_judge": evaluate_judge(nlu, (HOLDOUT_SITUATIONS_PATH,)),
    }
    if args.json:
        for name in ("holdout_ask", "holdout_judge"):
            report[name].pop("errors", None)
        print(json.dumps(report, indent=2))
    else:
        print(render_report(report["nlu"]))
        print()
        print(render_knowledge(report["ask"], report["judge"]))
        print()
        # The holdout's misreads are not printed: reading them would make it a dev set.
        print(render_knowledge(report["holdout_ask"], report["holdout_judge"],
                               title=" (holdout, never used in development)",
                               show_errors=False))  # fmt: skip
    return 0


# Blind sets live beside the tests, outside the package: they are for a source checkout.
BLIND_DIR = Path(__file__).resolve().parents[1] / "tests" / "eval" / "holdout"


def _eval_blind(nlu: Any, retriever: Any) -> int:
    """Aggregate first scores on every blind set (never a miss: see knowledge.blind)."""
    from knowledge.advisor import judge
    from knowledge.blind import score_ask, score_judge
    from knowledge.evaluate import read_rows

    if not BLIND_DIR.is_dir():
        print(f"careerbot eval --blind needs a source checkout with {BLIND_DIR}", file=sys.stderr)
        return 2
    report: dict[str, Any] = {}
    for path in sorted(BLIND_DIR.glob("judge_*.jsonl")):
        report[path.stem] = score_judge(
            read_rows(path), lambda text: judge(text, nlu.parse(text).entities).verdict.value
        )
    for path in sorted(BLIND_DIR.glob("kb_*.jsonl")):
        report[path.stem] = score_ask(read_rows(path), retriever)
    print(json.dumps(report, indent=2))
    return 0


def _eval_conversations(
    settings: Settings, nlu: Any, retriever: Any, paths: list[Path], misses: bool
) -> int:
    """Score conversation files (``bot.conversation.scripted``): aggregates, and with
    ``--misses`` the turns that failed, which a blind set never shows."""
    import asyncio

    from bot.conversation import Conversation
    from bot.conversation.replies import load_replies
    from bot.conversation.scripted import Runner, run_file, score
    from knowledge.advisor import default_rules

    if misses and any(BLIND_DIR in path.resolve().parents for path in paths):
        refusal = "a blind set's misses are never shown: reading them makes it a development set"
        print(refusal, file=sys.stderr)
        return 2
    rules, replies = default_rules(), load_replies()

    def factory(database: Any) -> Conversation:
        return Conversation(
            nlu=nlu,
            retriever=retriever,
            rules=rules,
            database=database,
            replies=replies,
            default_timezone=settings.default_timezone,
        )

    runner = Runner(factory)
    report: dict[str, Any] = {}
    for path in paths:
        results = asyncio.run(run_file(runner, path))
        report[path.stem] = score(results)
        if misses:
            for result in results:
                if not result.passed:
                    failed = ", ".join(result.failed)
                    print(f"{result.conversation} turn {result.number}: {result.said!r}")
                    print(f"    failed {failed}; bot: {result.answer!r}")
    print(json.dumps(report, indent=2))
    return 0


def cmd_bench(settings: Settings, args: argparse.Namespace) -> int:
    """Run every benchmark and print one table of figures against targets (or one part)."""
    from bot.bench import render_bench, run_bench

    load_nlu(settings)  # build first, so no build is timed
    load_retriever(settings)
    everything = not (args.nlu or args.e2e or args.nudges)
    report: dict[str, Any] = {}
    if args.nlu or everything:
        report["nlu"] = run_bench(settings, messages=args.messages)
    if args.e2e or everything:
        from bot.bench_e2e import run_e2e_bench

        report["e2e"] = run_e2e_bench(settings)
    if args.nudges or everything:
        from bot.bench_nudges import run_nudge_bench

        report["nudges"] = run_nudge_bench(settings, users=args.users, postgres_url=args.postgres,
                                           nudges_count=args.nudge_count,
                                           rate=args.nudge_rate or settings.nudge_rate)  # fmt: skip
    if args.json:
        print(json.dumps(report, indent=2))
    elif everything:
        from bot.bench_report import render_report

        print(render_report(report["nlu"], report["e2e"], report["nudges"]))
    else:
        from bot.bench_e2e import render_e2e
        from bot.bench_nudges import render_nudge_bench

        renderers = {"nlu": render_bench, "e2e": render_e2e, "nudges": render_nudge_bench}
        print("\n\n".join(renderers[part](figures) for part, figures in report.items()))
    return 0


# --- careerbot chat / run / start ------------------------------------------------------------

NO_TOKEN_HELP = """careerbot: TELEGRAM_BOT_TOKEN is not set, so there is no Telegram bot to run.

To run in Telegram:
  1. Open Telegram, talk to @BotFather, send /newbot and follow its questions.
  2. Put the token it gives you in .env (TELEGRAM_BOT_TOKEN=123456:ABC...) or the environment.
  3. Run `careerbot run` again.

To talk to the bot right here without Telegram, run `careerbot chat`."""


async def _serve_console(settings: Settings, user: str) -> None:
    from bot.app import build_services
    from bot.channels.console import chat

    services = build_services(settings)
    await services.database.upgrade(wait_seconds=settings.database_wait_seconds)
    try:
        await chat(services.conversation, user=user, stdin=sys.stdin, stdout=sys.stdout,
                   color=sys.stdout.isatty())  # fmt: skip
    finally:
        await services.database.dispose()


def cmd_chat(settings: Settings, args: argparse.Namespace) -> int:
    """Chat with the bot in this terminal (no Telegram needed)."""
    import asyncio

    asyncio.run(_serve_console(settings, args.user))
    return 0


def cmd_run(settings: Settings, args: argparse.Namespace) -> int:
    """Run the Telegram bot (long polling, or a webhook server when WEBHOOK_URL is set)."""
    if settings.telegram_bot_token is None:
        print(NO_TOKEN_HELP, file=sys.stderr)
        return 2
    from bot.app import build_services
    from bot.channels.telegram import run_telegram

    run_telegram(build_services(settings))
    return 0


def cmd_start(settings: Settings, args: argparse.Namespace) -> int:
    """Start the bot: in Telegram when TELEGRAM_BOT_TOKEN is set, else the console chat."""
    if settings.telegram_bot_token is None:
        print("No TELEGRAM_BOT_TOKEN set: opening the console chat (see `careerbot run --help`).",
              file=sys.stderr)  # fmt: skip
        return cmd_chat(settings, args)
    return cmd_run(settings, args)


def cmd_nudges(settings: Settings, args: argparse.Namespace) -> int:
    """Send every weekly nudge due at an instant (for cron-style deployments and tests)."""
    import asyncio
    from datetime import UTC, datetime

    if settings.telegram_bot_token is None:
        print(NO_TOKEN_HELP, file=sys.stderr)
        return 2
    now = datetime.now(UTC)
    if args.now:
        try:
            now = datetime.fromisoformat(args.now)
        except ValueError:
            print(f"careerbot: --now {args.now!r} is not an ISO-8601 time", file=sys.stderr)
            return 2
        if now.tzinfo is None:
            print("careerbot: --now needs a timezone, e.g. 2026-11-27T16:00:00+00:00",
                  file=sys.stderr)  # fmt: skip
            return 2
    report = asyncio.run(_run_nudges_once(settings, now))
    print(f"nudges due at {now.isoformat()}: {report}")
    return 1 if report.failed > report.blocked else 0


async def _run_nudges_once(settings: Settings, now: Any) -> Any:
    from telegram.ext import AIORateLimiter, ExtBot

    from bot import nudges
    from bot.channels.http import AiohttpRequest
    from bot.channels.telegram import nudge_sender
    from knowledge.base import load_knowledge

    assert settings.telegram_bot_token is not None
    database = settings.database()
    bot: ExtBot[Any] = ExtBot(
        settings.telegram_bot_token.get_secret_value(),
        base_url=settings.telegram_api_base_url,
        request=AiohttpRequest(),
        rate_limiter=AIORateLimiter(overall_max_rate=settings.telegram_max_rate, max_retries=3),
    )
    try:
        await database.upgrade(wait_seconds=settings.database_wait_seconds)
        async with bot:
            dispatcher = nudges.dispatcher(settings, database, load_knowledge(), nudge_sender(bot))
            return await dispatcher.run_once(now)
    finally:
        await database.dispose()


def cmd_db(settings: Settings, args: argparse.Namespace) -> int:
    """Create or upgrade the database schema (the bot also does this when it starts)."""
    import asyncio

    async def upgrade() -> str | None:
        database = settings.database()
        try:
            await database.upgrade(wait_seconds=settings.database_wait_seconds)
            return await database.current_revision()
        finally:
            await database.dispose()

    revision = asyncio.run(upgrade())
    print(f"database schema at revision {revision}")
    return 0


# --- wiring ----------------------------------------------------------------------------------


def _add_text_and_modes(command: argparse.ArgumentParser, text_help: str) -> None:
    """The TEXT argument and the --json / --jsonl output modes that nlu, ask and judge share."""
    command.add_argument("text", nargs="?", help=text_help)
    mode = command.add_mutually_exclusive_group()
    mode.add_argument("--json", action="store_true", help="print JSON instead of text")
    mode.add_argument(
        "--jsonl",
        action="store_true",
        help='read {"text": ...} lines on stdin, write one JSON object per line',
    )


def _default_user() -> str:
    import getpass

    try:
        return getpass.getuser()[:64] or "me"
    except (KeyError, OSError):
        return "me"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="careerbot", description="careerbot: a career-growth advisor for Telegram."
    )
    parser.set_defaults(handler=cmd_start, user=_default_user())
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    start = commands.add_parser("start", help=f"{cmd_start.__doc__} (the default)")
    start.add_argument("--user", default=_default_user(), help="console chat user name")
    start.set_defaults(handler=cmd_start)

    run = commands.add_parser("run", help=cmd_run.__doc__)
    run.set_defaults(handler=cmd_run)

    chat = commands.add_parser("chat", help=cmd_chat.__doc__)
    chat.add_argument("--user", default=_default_user(),
                      help="who you are in the chat (default: your login name); each name "
                           "keeps its own goals and conversation")  # fmt: skip
    chat.set_defaults(handler=cmd_chat)

    train = commands.add_parser("train", help=cmd_train.__doc__)
    train.add_argument("--output", type=Path,
                       help="NLU model directory (default: NLU_MODEL_DIR); with it, only the "
                            "NLU model is built")  # fmt: skip
    train.set_defaults(handler=cmd_train)

    nlu = commands.add_parser("nlu", help=cmd_nlu.__doc__)
    _add_text_and_modes(nlu, "the message to read (omit for a shell)")
    nlu.set_defaults(handler=cmd_nlu)

    ask = commands.add_parser("ask", help=cmd_ask.__doc__)
    _add_text_and_modes(ask, "the question")
    ask.set_defaults(handler=cmd_ask)

    judge = commands.add_parser("judge", help=cmd_judge.__doc__)
    _add_text_and_modes(judge, "the situation, in your words")
    judge.add_argument(
        "--answer",
        action="append",
        default=[],
        metavar="QUESTION=VALUE",
        help="an answer to a follow-up question, e.g. level=up or same_org=yes",
    )
    judge.set_defaults(handler=cmd_judge)

    kb = commands.add_parser("kb", help=cmd_kb.__doc__)
    kb.add_argument("action", choices=["validate", "calibrate"])
    kb.set_defaults(handler=cmd_kb)

    nudge = commands.add_parser("nudges", help=cmd_nudges.__doc__)
    nudge.add_argument("action", choices=["run-once"])
    nudge.add_argument("--now", help="the instant to run at (ISO-8601 with a zone; default: now)")
    nudge.set_defaults(handler=cmd_nudges)

    db = commands.add_parser("db", help=cmd_db.__doc__)
    db.add_argument("action", choices=["upgrade"])
    db.set_defaults(handler=cmd_db)

    evaluate = commands.add_parser("eval", help=cmd_eval.__doc__)
    evaluate.add_argument("--json", action="store_true", help="print the report as JSON")
    evaluate.add_argument(
        "--blind", action="store_true",
        help="first scores on the blind sets in tests/eval/holdout (a source checkout)",
    )  # fmt: skip
    evaluate.add_argument(
        "--conversations",
        nargs="+",
        type=Path,
        metavar="FILE",
        help="score conversation files (YAML, see tests/eval/README.md): share of turns passed",
    )
    evaluate.add_argument(
        "--answers",
        action="store_true",
        help="score the readers of typed answers on the dialogue corpus, per step and writer",
    )
    evaluate.add_argument(
        "--misses",
        action="store_true",
        help="with --conversations: print each failed turn (refused for blind sets)",
    )
    evaluate.set_defaults(handler=cmd_eval)

    bench = commands.add_parser("bench", help=cmd_bench.__doc__)
    bench.add_argument(
        "--messages",
        type=int,
        default=20000,
        help="messages for the throughput run (default 20000)",
    )
    bench.add_argument("--json", action="store_true", help="print the report as JSON")
    bench.add_argument(
        "--nlu",
        action="store_true",
        help="only the NLU, ask and judge (in one process pinned to one core)",
    )
    bench.add_argument("--e2e", action="store_true",
                       help="only end to end: a real `careerbot run` against the fake Bot API "
                            "(needs a source checkout with the dev extra)")  # fmt: skip
    bench.add_argument("--nudges", action="store_true",
                       help="only nudges: the due query with --users scheduled users and the "
                            "dispatcher's rate for --nudge-count nudges")  # fmt: skip
    bench.add_argument("--users", type=int, default=1_000_000)
    bench.add_argument("--postgres", metavar="URL",
                       help="also time the due query on this PostgreSQL server (a scratch "
                            "database is created and dropped)")  # fmt: skip
    bench.add_argument("--nudge-count", type=int, default=2_500)
    bench.add_argument("--nudge-rate", type=float, help="default: NUDGE_RATE")
    bench.set_defaults(handler=cmd_bench)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = Settings()
    except ValidationError as error:
        print(f"careerbot: invalid settings:\n{error}", file=sys.stderr)
        return 2
    configure_logging(settings)
    handler = args.handler
    try:
        return int(handler(settings, args))
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # the reader went away (`careerbot ... | head`)
        return 0
    except Exception as error:
        unusable = sys.modules.get("bot.storage.db")
        if unusable is not None and isinstance(error, unusable.DatabaseUnusable):
            print(f"careerbot: DATABASE_URL cannot be used: {error}", file=sys.stderr)
            return 2
        telegram = sys.modules.get("telegram.error")  # imported by the commands that use it
        if telegram is None or not isinstance(error, telegram.TelegramError):
            raise
        if isinstance(error, telegram.InvalidToken):
            # PTB's message quotes the token: say which setting is wrong, never what it holds.
            print("careerbot: Telegram rejected TELEGRAM_BOT_TOKEN; check the token @BotFather "
                  "gave you (it is not shown here)", file=sys.stderr)  # fmt: skip
            return 2
        token = settings.telegram_bot_token
        reason = str(error).splitlines()[0] if str(error) else type(error).__name__
        if token is not None:
            reason = reason.replace(token.get_secret_value(), "<TELEGRAM_BOT_TOKEN>")
        print(f"careerbot: Telegram cannot be reached at TELEGRAM_API_BASE_URL ({reason})",
              file=sys.stderr)  # fmt: skip
        return 1
