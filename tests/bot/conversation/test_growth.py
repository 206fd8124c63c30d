"""Goals, check-ins, progress, nudge settings and the export, through the conversation core."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from bot.storage.models import CheckIn, Goal, NudgeSchedule, User
from tests.bot.conversation.conftest import Chat


def kinds(replies: list[object]) -> list[str]:
    return [reply.kind for reply in replies]  # type: ignore[attr-defined]


async def goals_of(chat: Chat) -> list[Goal]:
    async with chat.conversation.database.session() as session:
        return list((await session.scalars(select(Goal).order_by(Goal.id))).all())


async def test_a_goal_from_free_text_is_confirmed_with_fix_buttons(ann: Chat) -> None:
    replies = await ann.say("I want to become a team lead by June 2027")
    assert kinds(replies) == ["goal_saved", "promotion_tips"]
    assert "Become a team lead" in replies[0].text
    assert "30 June 2027" in replies[0].text
    assert [b.label for b in replies[0].button_list()] == [
        "✏️ Change kind", "✏️ Edit text", "↩️ Undo"]  # fmt: skip
    await ann.press("✏️ Change kind")
    [changed] = await ann.press("Leadership")
    assert changed.kind == "goal_kind_set"
    [goal] = await goals_of(ann)
    assert goal.kind == "leadership"


async def test_goal_command_asks_then_saves_and_text_can_be_edited(ann: Chat) -> None:
    assert kinds(await ann.say("/goal")) == ["goal_prompt"]
    assert kinds(await ann.say("get an AWS certification by March")) == ["goal_saved"]
    await ann.press("✏️ Edit text")
    assert kinds(await ann.say("Get the AWS Solutions Architect certificate")) == ["goal_edited"]
    [goal] = await goals_of(ann)
    assert goal.text == "Get the AWS Solutions Architect certificate"
    assert goal.kind == "education"


async def test_goals_are_listed_and_updated_by_free_text(ann: Chat) -> None:
    await ann.say("set a goal to learn SQL")
    await ann.say("I want to speak at a conference")
    [listing] = await ann.say("what are my goals?")
    assert listing.kind == "goals"
    assert "1. Learn SQL" in listing.text
    assert "2. Speak at a conference" in listing.text
    assert kinds(await ann.say("made progress on the SQL goal")) == ["goal_progress_logged"]
    assert kinds(await ann.say("done with goal 2")) == ["goal_marked_done"]
    goals = await goals_of(ann)
    assert [g.done for g in goals] == [False, True]
    [listing] = await ann.say("/goals")
    assert "1 goal(s) done" in listing.text


async def test_deleting_a_goal_needs_a_confirmation(ann: Chat) -> None:
    await ann.say("set a goal to learn SQL")
    await ann.say("set a goal to grow my network")
    assert kinds(await ann.say("drop the SQL goal")) == ["goal_delete_confirm"]
    assert kinds(await ann.press("Keep it")) == ["goal_kept"]
    assert kinds(await ann.say("drop the SQL goal")) == ["goal_delete_confirm"]
    assert kinds(await ann.press("🗑 Delete")) == ["goal_deleted"]
    assert [g.text for g in await goals_of(ann)] == ["Grow my network"]


async def test_a_finished_goal_can_still_be_deleted_by_name(ann: Chat) -> None:
    await ann.say("set a goal to learn SQL")
    await ann.say("done with my SQL goal")
    assert kinds(await ann.say("drop the SQL goal")) == ["goal_delete_confirm"]
    assert kinds(await ann.press("🗑 Delete")) == ["goal_deleted"]
    assert await goals_of(ann) == []
    assert kinds(await ann.say("drop the SQL goal")) == ["goals"]  # nothing left to delete


async def test_an_unclear_goal_reference_asks_which(ann: Chat) -> None:
    await ann.say("set a goal to learn SQL")
    await ann.say("set a goal to grow my network")
    [which] = await ann.say("I finished my goal")
    assert which.kind == "goal_which"
    [done] = await ann.press_data(which.button_list()[1].data)
    assert done.kind == "goal_marked_done"


async def test_another_users_goal_cannot_be_touched(ann: Chat, bob: Chat) -> None:
    await ann.say("set a goal to learn SQL")
    [goal] = await goals_of(ann)
    for data in [f"g:done:{goal.id}", f"g:del:{goal.id}", f"gk:{goal.id}:network",
                 f"ci:{goal.id}:done:2026-W48", f"g:undo:{goal.id}", "g:done:abc"]:  # fmt: skip
        assert kinds(await bob.press_data(data)) == ["stale_button"], data
    [still] = await goals_of(ann)
    assert (still.done, still.kind) == (False, "skills")


async def test_nudge_check_in_buttons_record_the_week(ann: Chat) -> None:
    await ann.say("set a goal to learn SQL")
    [goal] = await goals_of(ann)
    assert kinds(await ann.press_data(f"ci:{goal.id}:progress:2026-W48")) == [
        "goal_progress_logged"]  # fmt: skip
    assert kinds(await ann.press_data(f"ci:{goal.id}:not_yet:2026-W48")) == [
        "goal_not_yet_logged"]  # fmt: skip
    assert kinds(await ann.press_data(f"ci:{goal.id}:progress:bad-week")) == ["stale_button"]
    async with ann.conversation.database.session() as session:
        rows = (await session.scalars(select(CheckIn))).all()
    assert [(c.week, c.status) for c in rows] == [("2026-W48", "not_yet")]  # latest answer wins


async def test_progress_shows_streaks_and_a_chart(ann: Chat) -> None:
    await ann.say("set a goal to learn SQL")
    await ann.say("made progress on my goal")
    [progress] = await ann.say("/progress")
    assert progress.kind == "progress"
    assert "Learn SQL: 1 week(s) with progress, streak 1" in progress.text
    assert progress.image is not None
    assert progress.image.startswith(b"\x89PNG")


async def test_nudges_are_set_in_words_and_with_buttons(ann: Chat) -> None:
    assert kinds(await ann.say("/nudge")) == ["nudge_none"]
    [saved] = await ann.say("send my nudges on Fridays at 5pm")
    assert saved.kind == "nudge_saved"
    assert "Fridays at 17:00 (UTC)" in saved.text
    assert kinds(await ann.say("I'm in Berlin")) == ["nudge_timezone_set"]
    [status] = await ann.say("when is my next nudge?")
    assert "Fridays at 17:00 (Europe/Berlin)" in status.text
    assert kinds(await ann.say("pause my nudges")) == ["nudge_paused"]
    assert kinds(await ann.press("▶️ Resume")) == ["nudge_resumed"]
    await ann.press_data("nd:day:0")
    [at_time] = await ann.press_data("nd:time:08:00")
    assert "Mondays at 08:00 (Europe/Berlin)" in at_time.text
    async with ann.conversation.database.session() as session:
        [schedule] = (await session.scalars(select(NudgeSchedule))).all()
    assert (schedule.weekday, schedule.local_time, schedule.active) == (0, "08:00", True)
    assert kinds(await ann.press_data("nd:time:25:00")) == ["stale_button"]
    assert kinds(await ann.say("stop sending me nudges")) == ["nudge_stopped"]
    async with ann.conversation.database.session() as session:
        assert (await session.scalars(select(NudgeSchedule))).all() == []
    assert kinds(await ann.press_data("nd:pause")) == ["stale_button"]


async def test_nobody_gets_a_schedule_without_saying_yes(ann: Chat) -> None:
    await ann.say("/start")
    await ann.say("set a goal to learn SQL")
    async with ann.conversation.database.session() as session:
        assert (await session.scalars(select(NudgeSchedule))).all() == []


async def test_a_verdict_offers_a_goal_with_readiness_tips(ann: Chat) -> None:
    [verdict] = await ann.say("I moved from sales to marketing at the same pay")
    assert "🎯 Work towards a promotion" in [b.label for b in verdict.button_list()]
    replies = await ann.press("🎯 Work towards a promotion")
    assert kinds(replies) == ["goal_saved", "promotion_tips"]


async def test_export_holds_only_the_users_own_data(ann: Chat, bob: Chat) -> None:
    await ann.say("set a goal to learn SQL")
    await bob.say("set a goal to grow my network")
    [export] = await ann.say("/export")
    assert export.document is not None
    name, content = export.document
    data = json.loads(content)
    assert name.endswith(".json")
    assert [g["text"] for g in data["goals"]] == ["Learn SQL"]
    assert "network" not in content.decode()


async def test_forget_removes_goals_and_schedules_too(ann: Chat) -> None:
    await ann.say("set a goal to learn SQL")
    await ann.say("nudge me every monday morning")
    await ann.say("/forget")
    await ann.press("Yes, delete it all")
    assert await goals_of(ann) == []
    async with ann.conversation.database.session() as session:
        assert (await session.scalars(select(NudgeSchedule))).all() == []


@pytest.mark.parametrize(
    ("said", "stored", "shown"),
    [("I'm in UTC+10", "Etc/GMT-10", "UTC+10"), ("my timezone is GMT-3", "Etc/GMT+3", "UTC-3"),
     ("I'm in Etc/GMT+12", "Etc/GMT+12", "UTC-12")],
)  # fmt: skip
async def test_offsets_are_stored_right_and_shown_as_people_read_them(
    ann: Chat, said: str, stored: str, shown: str
) -> None:
    [reply] = await ann.say(said)
    assert reply.kind == "nudge_timezone_set"
    assert f"<b>{shown}</b>" in reply.text
    async with ann.conversation.database.session() as session:
        user = (await session.scalars(select(User))).one()
    assert user.timezone == stored


async def test_a_deadline_that_has_passed_is_not_stored_and_another_is_asked_for(
    ann: Chat,
) -> None:
    saved, asked = await ann.say("set a goal to learn SQL by June 2025")  # NOW is in 2026
    assert saved.kind == "goal_saved"
    assert "by " not in saved.text.split("\n")[1]  # no deadline stored
    assert asked.kind == "goal_deadline_passed"
    assert [r.kind for r in await ann.say("by March 2020")] == ["goal_deadline_passed"]
    [done] = await ann.say("by June")  # a month without a year: the next one to come
    assert done.kind == "goal_deadline_set"
    [goal] = await goals_of(ann)
    assert goal.deadline is not None
    assert goal.deadline > ann.now.date()
    assert goal.deadline.month == 6
