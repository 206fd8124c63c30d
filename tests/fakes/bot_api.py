"""A fake Telegram Bot API server for end-to-end tests.

``FakeBotApi`` owns an aiohttp server on 127.0.0.1 that speaks the part of the Bot API careerbot
uses, with Telegram's JSON shapes and error answers; the chats, messages and uploaded files it
has seen; the queue of updates handed out by ``getUpdates``; a record of every call; and fault
injection (error answers and slow answers) for reliability tests. Tests play the user through
``user_sends``/``user_presses``/``user_blocks`` (polling) or ``post_update`` (webhook) and read
what the bot did through ``sent``, ``calls`` and the ``wait_for*`` helpers.

It is not a Telegram emulator: only private chats exist, MarkdownV2 is not validated and
there are no rate limits unless a test injects them with ``fail``.
"""

from __future__ import annotations

import asyncio
import copy
import json
import re
import secrets
import time
from collections import Counter, deque
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from http import HTTPStatus
from types import TracebackType
from typing import Any, Self, TypeVar

import aiohttp
from aiohttp import web

_T = TypeVar("_T")

JsonDict = dict[str, Any]

MAX_TEXT_LENGTH = 4096
MAX_CAPTION_LENGTH = 1024
MAX_CALLBACK_DATA_BYTES = 64
MAX_INLINE_BUTTONS = 100
MAX_PHOTO_BYTES = 10 * 1024 * 1024

# Telegram answers a form field with a JSON-serialised object for these parameters; only these
# are decoded, because a message text such as "[1]" must stay a string.
_JSON_FIELDS = frozenset(
    {
        "allowed_updates",
        "caption_entities",
        "commands",
        "entities",
        "link_preview_options",
        "media",
        "message_ids",
        "options",
        "reply_markup",
        "reply_parameters",
        "results",
        "scope",
    }
)
_INT_FIELDS = frozenset(
    {
        "cache_time",
        "from_chat_id",
        "limit",
        "max_connections",
        "message_id",
        "message_thread_id",
        "offset",
        "reply_to_message_id",
        "timeout",
        "user_id",
    }
)
_BOOL_FIELDS = frozenset(
    {
        "allow_paid_broadcast",
        "allow_sending_without_reply",
        "disable_content_type_detection",
        "disable_notification",
        "disable_web_page_preview",
        "drop_pending_updates",
        "has_spoiler",
        "protect_content",
        "show_alert",
        "show_caption_above_media",
    }
)
_CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)
_COMMAND_RE = re.compile(r"[a-z0-9_]{1,32}")
_SECRET_TOKEN_RE = re.compile(r"[A-Za-z0-9_-]{1,256}")

_DEFAULT_DESCRIPTIONS = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    409: "Conflict",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
}


@dataclass(frozen=True)
class UploadedFile:
    """A file part of a multipart request, as recorded in ``Call.params``."""

    filename: str | None
    content_type: str
    data: bytes


@dataclass
class Call:
    """One request the bot made; ``time`` is ``time.monotonic()`` when it arrived."""

    method: str
    params: JsonDict
    time: float
    status: int = 200
    description: str | None = None

    @property
    def ok(self) -> bool:
        return self.status == HTTPStatus.OK


class BotApiError(Exception):
    """An error answer, raised inside a method handler and turned into Telegram's JSON."""

    def __init__(self, status: int, description: str, *, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.retry_after = retry_after

    def payload(self) -> JsonDict:
        body: JsonDict = {"ok": False, "error_code": self.status, "description": self.description}
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


def _bad_request(detail: str) -> BotApiError:
    return BotApiError(400, f"Bad Request: {detail}")


@dataclass
class _Fault:
    status: int
    description: str
    retry_after: int | None


_DROPPED = 499  # the status a dropped call is recorded with (nginx's "client closed")


@dataclass
class _Chat:
    user: JsonDict
    chat: JsonDict
    next_message_id: int = 1
    messages: dict[int, JsonDict] = field(default_factory=dict)
    sent: list[JsonDict] = field(default_factory=list)
    blocked: bool = False


@dataclass
class _StoredFile:
    file_id: str
    file_unique_id: str
    file_path: str
    data: bytes


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units, the unit of Telegram's entity offsets."""
    return len(text.encode("utf-16-le")) // 2


# --- Telegram HTML -------------------------------------------------------------------------

_TAG_RE = re.compile(
    r"<(?P<end>/)?(?P<name>[A-Za-z][A-Za-z0-9-]*)"
    r"(?P<attrs>(?:\s+[A-Za-z_][-A-Za-z0-9_]*(?:\s*=\s*(?:\"[^\"]*\"|'[^']*'|[^\s\"'=<>`]+))?)*)"
    r"\s*>"
)
_ATTR_RE = re.compile(
    r"([A-Za-z_][-A-Za-z0-9_]*)(?:\s*=\s*(?:\"([^\"]*)\"|'([^']*)'|([^\s\"'=<>`]+)))?"
)
_HTML_ENTITY_RE = re.compile(r"&(?:#(\d{1,7})|#[xX]([0-9a-fA-F]{1,6})|([A-Za-z][A-Za-z0-9]*));")
_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_TAG_ENTITY_TYPES = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}


def _entity_error(detail: str) -> BotApiError:
    return _bad_request(f"can't parse entities: {detail}")


def _decode_entities(text: str, base_offset: int) -> str:
    """Replace HTML entities in ``text``; a bare ``&`` or an unknown entity is an error."""
    out: list[str] = []
    position = 0
    while (amp := text.find("&", position)) != -1:
        out.append(text[position:amp])
        match = _HTML_ENTITY_RE.match(text, amp)
        offset = base_offset + len(text[:amp].encode())
        if match is None:
            raise _entity_error(f"Can't find end of the entity starting at byte offset {offset}")
        decimal, hexadecimal, name = match.groups()
        if name is not None:
            if name not in _NAMED_ENTITIES:
                raise _entity_error(f'Unsupported HTML entity "&{name};" at byte offset {offset}')
            out.append(_NAMED_ENTITIES[name])
        else:
            code = int(decimal) if decimal is not None else int(hexadecimal, 16)
            if code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
                raise _entity_error(f"Invalid character code at byte offset {offset}")
            out.append(chr(code))
        position = match.end()
    out.append(text[position:])
    return "".join(out)


def parse_html(text: str) -> tuple[str, list[JsonDict]]:
    """Telegram's HTML parse mode: the plain text and its entities, or a ``BotApiError``."""
    plain: list[str] = []
    length = 0  # UTF-16 length of ``plain`` so far
    # Open tags: name, entity start offset, attributes, start byte offset.
    stack: list[tuple[str, int, dict[str, str], int]] = []
    entities: list[JsonDict] = []
    position = 0
    while position < len(text):
        lt = text.find("<", position)
        chunk = text[position : lt if lt != -1 else len(text)]
        if chunk:
            decoded = _decode_entities(chunk, len(text[:position].encode()))
            plain.append(decoded)
            length += utf16_len(decoded)
        if lt == -1:
            break
        byte_offset = len(text[:lt].encode())
        match = _TAG_RE.match(text, lt)
        if match is None:
            raise _entity_error(f"Unexpected end of name token at byte offset {byte_offset}")
        name = match["name"].lower()
        if match["end"]:
            if match["attrs"]:
                raise _entity_error(f"Unexpected end tag at byte offset {byte_offset}")
            if not stack:
                raise _entity_error(f'Unexpected end tag "{name}" at byte offset {byte_offset}')
            open_name, start, attrs, _ = stack.pop()
            if open_name != name:
                raise _entity_error(
                    f"Unmatched end tag at byte offset {byte_offset}, "
                    f'expected "</{open_name}>", found "</{name}>"'
                )
            _close_tag(name, start, length, attrs, stack, entities)
        else:
            if name not in _TAG_ENTITY_TYPES:
                raise _entity_error(f'Unsupported start tag "{name}" at byte offset {byte_offset}')
            attrs = {
                key.lower(): _decode_entities(a or b or c or "", byte_offset)
                for key, a, b, c in _ATTR_RE.findall(match["attrs"])
            }
            if name == "span" and attrs.get("class") != "tg-spoiler":
                raise _entity_error(
                    f'Tag "span" must have class "tg-spoiler" at byte offset {byte_offset}'
                )
            if name == "tg-emoji" and not attrs.get("emoji-id"):
                raise _entity_error(f'Tag "tg-emoji" must have attribute "emoji-id" at byte '
                                    f"offset {byte_offset}")  # fmt: skip
            stack.append((name, length, attrs, byte_offset))
        position = match.end()
    if stack:
        name = stack[-1][0]
        raise _entity_error(f'Can\'t find end tag corresponding to start tag "{name}"')
    entities.sort(key=lambda entity: (entity["offset"], -entity["length"]))
    return "".join(plain), entities


def _close_tag(
    name: str,
    start: int,
    end: int,
    attrs: dict[str, str],
    stack: list[tuple[str, int, dict[str, str], int]],
    entities: list[JsonDict],
) -> None:
    """Append the entity a closed tag stands for (Telegram drops empty ones)."""
    css_class = attrs.get("class", "")
    if name == "code" and stack and stack[-1][0] == "pre" and css_class.startswith("language-"):
        # <pre><code class="language-x"> is one pre entity with a language, not two entities.
        stack[-1][2]["language"] = css_class.removeprefix("language-")
        return
    if end == start:
        return
    entity: JsonDict = {"type": _TAG_ENTITY_TYPES[name], "offset": start, "length": end - start}
    if name == "a":
        if "href" not in attrs:
            return
        entity["url"] = attrs["href"]
    elif name == "pre" and attrs.get("language"):
        entity["language"] = attrs["language"]
    elif name == "blockquote" and "expandable" in attrs:
        entity["type"] = "expandable_blockquote"
    elif name == "tg-emoji":
        entity["custom_emoji_id"] = attrs["emoji-id"]
    entities.append(entity)


# --- images ----------------------------------------------------------------------------------


def _image_size(data: bytes) -> tuple[int, int] | None:
    """Width and height of a PNG, GIF, JPEG or WebP image, or None if ``data`` is none of them."""
    if data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) >= 24:
        return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    if data[:6] in (b"GIF87a", b"GIF89a") and len(data) >= 10:
        return int.from_bytes(data[6:8], "little"), int.from_bytes(data[8:10], "little")
    if data.startswith(b"RIFF") and data[8:12] == b"WEBP":
        return 512, 512  # the size is codec specific; no test needs the real one
    if data.startswith(b"\xff\xd8"):
        position = 2
        while position + 9 <= len(data) and data[position] == 0xFF:
            marker = data[position + 1]
            segment = int.from_bytes(data[position + 2 : position + 4], "big")
            # SOF0..SOF15 carry the frame size; C4, C8 and CC are other segments.
            if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
                height = int.from_bytes(data[position + 5 : position + 7], "big")
                width = int.from_bytes(data[position + 7 : position + 9], "big")
                return width, height
            position += 2 + segment
        return None
    return None


def _scaled(width: int, height: int, longest: int) -> tuple[int, int]:
    scale = min(1.0, longest / max(width, height, 1))
    return max(1, round(width * scale)), max(1, round(height * scale))


# --- the server ------------------------------------------------------------------------------

_Handler = Callable[[JsonDict], Awaitable[Any]]


class FakeBotApi:
    """A Bot API server for one bot token; see the module docstring."""

    def __init__(
        self, token: str, *, bot_username: str = "careerbot_test_bot", bot_id: int = 1000
    ) -> None:
        self.token = token
        self.bot_user: JsonDict = {
            "id": bot_id,
            "is_bot": True,
            "first_name": "CareerBot Test",
            "username": bot_username,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }
        self.calls: list[Call] = []
        self.webhook_url = ""
        self.webhook_secret: str | None = None
        self.webhook_allowed_updates: list[str] | None = None
        self.commands: dict[tuple[str, str], list[JsonDict]] = {}
        self._chats: dict[int, _Chat] = {}
        self._updates: list[JsonDict] = []
        self._next_update_id = 100_001
        self._files: dict[str, _StoredFile] = {}
        self._callback_queries: dict[str, bool] = {}  # id -> answered
        self._faults: dict[str, deque[_Fault]] = {}
        self._delays: dict[str, deque[float]] = {}
        self._gates: dict[str, asyncio.Event] = {}  # held methods: set when released
        self.held: Counter[str] = Counter()  # calls waiting at a gate now
        self._poll_generation = 0
        # Replaced on every change, so waiters holding the old one wake up exactly once.
        self._changed = asyncio.Event()
        self._closing = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self._port: int | None = None
        self._methods: dict[str, tuple[str, _Handler]] = {
            name.lower(): (name, handler)
            for name, handler in {
                "getMe": self._get_me,
                "getUpdates": self._get_updates,
                "sendMessage": self._send_message,
                "editMessageText": self._edit_message_text,
                "editMessageReplyMarkup": self._edit_message_reply_markup,
                "deleteMessage": self._delete_message,
                "answerCallbackQuery": self._answer_callback_query,
                "sendChatAction": self._send_chat_action,
                "setMyCommands": self._set_my_commands,
                "getMyCommands": self._get_my_commands,
                "deleteMyCommands": self._delete_my_commands,
                "setWebhook": self._set_webhook,
                "deleteWebhook": self._delete_webhook,
                "getWebhookInfo": self._get_webhook_info,
                "sendPhoto": self._send_photo,
                "sendDocument": self._send_document,
                "getFile": self._get_file,
                "close": self._true,
                "logOut": self._true,
            }.items()
        }

    # --- lifecycle ---------------------------------------------------------------------------

    async def start(self) -> None:
        """Listen on a free port of 127.0.0.1."""
        if self._runner is not None:
            raise RuntimeError("FakeBotApi is already started")
        # Uploads may be up to 50 MB; aiohttp's default body limit is 1 MiB.
        app = web.Application(client_max_size=50 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        app.router.add_get("/file/bot{token}/{path:.+}", self._download)
        # Long polls end as soon as _closing is set, so a short shutdown grace is enough.
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=2.0)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        self._runner = runner
        self._port = runner.addresses[0][1]
        self._closing.clear()

    async def stop(self) -> None:
        """Answer pending long polls and shut the server down."""
        if self._runner is None:
            return
        self._closing.set()
        self._notify()
        runner, self._runner = self._runner, None
        await runner.cleanup()

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.stop()

    @property
    def port(self) -> int:
        if self._port is None:
            raise RuntimeError("FakeBotApi is not started")
        return self._port

    @property
    def base_url(self) -> str:
        """For ``Bot(token, base_url=...)``: python-telegram-bot appends ``{token}/{method}``."""
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def file_base_url(self) -> str:
        """For ``Bot(token, base_file_url=...)``."""
        return f"http://127.0.0.1:{self.port}/file/bot"

    # --- what the bot did --------------------------------------------------------------------

    def sent(self, chat_id: int) -> list[JsonDict]:
        """Messages the bot sent or edited in a chat, oldest first, each with its ``method``."""
        chat = self._chats.get(chat_id)
        return copy.deepcopy(chat.sent) if chat else []

    def sent_count(self, chat_id: int) -> int:
        """How many messages the bot sent or edited in a chat (cheap: no copies)."""
        chat = self._chats.get(chat_id)
        return len(chat.sent) if chat else 0

    def call_count(self, method: str) -> int:
        """How many calls of ``method`` arrived, failed ones included."""
        return sum(1 for call in self.calls if call.method == method)

    def calls_of(self, method: str) -> list[Call]:
        return [call for call in self.calls if call.method == method]

    def message(self, chat_id: int, message_id: int) -> JsonDict:
        """The current state of a message (after edits)."""
        return copy.deepcopy(self._chat(chat_id).messages[message_id])

    @property
    def pending_updates(self) -> list[JsonDict]:
        """Queued updates the bot has not confirmed with an offset yet."""
        return copy.deepcopy(self._updates)

    # --- playing the user --------------------------------------------------------------------

    def add_user(self, user_id: int, *, first_name: str = "Ann", language_code: str = "en") -> None:
        """Make a private chat with this user exist (sends to unknown chats are rejected)."""
        chat = self._chats.get(user_id)
        if chat is None:
            user = {
                "id": user_id,
                "is_bot": False,
                "first_name": first_name,
                "language_code": language_code,
            }
            chat_json = {"id": user_id, "type": "private", "first_name": first_name}
            self._chats[user_id] = _Chat(user=user, chat=chat_json)
        else:
            chat.user.update(first_name=first_name, language_code=language_code)
            chat.chat["first_name"] = first_name

    def message_update(
        self, user_id: int, text: str, *, first_name: str = "Ann", language_code: str = "en"
    ) -> JsonDict:
        """Build (without queueing) a ``message`` update from a user in their private chat."""
        self.add_user(user_id, first_name=first_name, language_code=language_code)
        return self._user_writes(user_id, self._chats[user_id], text)

    def group_message_update(
        self, user_id: int, group_id: int, text: str, *, first_name: str = "Ann",
        title: str = "Team chat",
    ) -> JsonDict:  # fmt: skip
        """Build (without queueing) a ``message`` update from a user in a group (``group_id``
        negative, as Telegram's group ids are); the group chat is created on first use."""
        self.add_user(user_id, first_name=first_name)
        group = self._chats.get(group_id)
        if group is None:
            group = _Chat(user={}, chat={"id": group_id, "type": "supergroup", "title": title})
            self._chats[group_id] = group
        return self._user_writes(user_id, group, text)

    def _user_writes(self, user_id: int, chat: _Chat, text: str) -> JsonDict:
        message: JsonDict = {
            "message_id": self._next_message_id(chat),
            "from": copy.deepcopy(self._chats[user_id].user),
            "chat": copy.deepcopy(chat.chat),
            "date": int(time.time()),
            "text": text,
        }
        if text.startswith("/"):
            command = text.split(maxsplit=1)[0]
            message["entities"] = [
                {"type": "bot_command", "offset": 0, "length": utf16_len(command)}
            ]
        chat.messages[message["message_id"]] = message
        return {"update_id": self._next_update(), "message": copy.deepcopy(message)}

    def callback_update(self, user_id: int, message_id: int, data: str) -> JsonDict:
        """Build (without queueing) a ``callback_query`` update for a button under a message."""
        chat = self._chat(user_id)
        if message_id not in chat.messages:
            raise ValueError(f"chat {user_id} has no message {message_id}")
        query_id = str(secrets.randbits(63))
        self._callback_queries[query_id] = False
        query = {
            "id": query_id,
            "from": copy.deepcopy(chat.user),
            "message": copy.deepcopy(chat.messages[message_id]),
            "chat_instance": str(-user_id * 7919),
            "data": data,
        }
        return {"update_id": self._next_update(), "callback_query": query}

    def my_chat_member_update(self, user_id: int, *, status: str) -> JsonDict:
        """Build (without queueing) a ``my_chat_member`` update: the bot's new status in a chat."""
        chat = self._chat(user_id)
        old = "kicked" if status == "member" else "member"
        member: JsonDict = {
            "chat": copy.deepcopy(chat.chat),
            "from": copy.deepcopy(chat.user),
            "date": int(time.time()),
            "old_chat_member": {"user": copy.deepcopy(self.bot_user), "status": old},
            "new_chat_member": {"user": copy.deepcopy(self.bot_user), "status": status},
        }
        for side in ("old_chat_member", "new_chat_member"):
            if member[side]["status"] == "kicked":
                member[side]["until_date"] = 0  # Telegram always sends it for "kicked"
        return {"update_id": self._next_update(), "my_chat_member": member}

    def enqueue(self, update: JsonDict) -> None:
        """Hand an update to the next ``getUpdates``."""
        self._updates.append(copy.deepcopy(update))
        self._notify()

    def user_sends(
        self, user_id: int, text: str, *, first_name: str = "Ann", language_code: str = "en"
    ) -> JsonDict:
        """Queue a message from the user; a blocked user first unblocks (the Restart button)."""
        if user_id in self._chats and self._chats[user_id].blocked:
            self.user_unblocks(user_id)
        update = self.message_update(
            user_id, text, first_name=first_name, language_code=language_code
        )
        self.enqueue(update)
        return update

    def user_presses(self, user_id: int, message_id: int, data: str) -> JsonDict:
        """Queue a press of the inline button with callback ``data`` under a message."""
        update = self.callback_update(user_id, message_id, data)
        self.enqueue(update)
        return update

    def user_blocks(self, user_id: int) -> JsonDict:
        """Queue the ``my_chat_member`` update for a block; later sends to the chat answer 403."""
        update = self.my_chat_member_update(user_id, status="kicked")
        self._chats[user_id].blocked = True
        self.enqueue(update)
        return update

    def user_unblocks(self, user_id: int) -> JsonDict:
        """Queue the ``my_chat_member`` update for an unblock; sends work again."""
        update = self.my_chat_member_update(user_id, status="member")
        self._chats[user_id].blocked = False
        self.enqueue(update)
        return update

    async def post_update(self, url: str, update: Mapping[str, Any], *, secret: str | None) -> int:
        """POST an update to a webhook as Telegram does; the HTTP status of the answer."""
        headers = {} if secret is None else {"X-Telegram-Bot-Api-Secret-Token": secret}
        timeout = aiohttp.ClientTimeout(total=10)
        async with (
            aiohttp.ClientSession(timeout=timeout) as session,
            session.post(url, json=update, headers=headers) as response,
        ):
            await response.read()
            return response.status

    # --- fault injection ---------------------------------------------------------------------

    def fail(
        self,
        method: str,
        *,
        status: int,
        times: int = 1,
        retry_after: int | None = None,
        description: str | None = None,
    ) -> None:
        """Answer the next ``times`` calls of ``method`` with an error instead of handling them."""
        if description is None:
            if status == HTTPStatus.TOO_MANY_REQUESTS:
                description = f"Too Many Requests: retry after {retry_after or 1}"
            else:
                description = _DEFAULT_DESCRIPTIONS.get(status, HTTPStatus(status).phrase)
        if status == HTTPStatus.TOO_MANY_REQUESTS and retry_after is None:
            retry_after = 1  # Telegram always says how long to wait
        faults = self._faults.setdefault(self._canonical(method), deque())
        faults.extend(_Fault(status, description, retry_after) for _ in range(times))

    def drop(self, method: str, *, times: int = 1) -> None:
        """Close the connection of the next ``times`` calls of ``method`` without an answer and
        without carrying them out, as a proxy or a network failure would."""
        faults = self._faults.setdefault(self._canonical(method), deque())
        faults.extend(_Fault(_DROPPED, "connection closed without an answer", None)
                      for _ in range(times))  # fmt: skip

    def delay(self, method: str, seconds: float, times: int = 1) -> None:
        """Answer the next ``times`` calls of ``method`` only after ``seconds``.

        The call still takes effect, as when a client times out on a request Telegram carried out.
        """
        self._delays.setdefault(self._canonical(method), deque()).extend([seconds] * times)

    def hold(self, method: str) -> None:
        """Keep calls of ``method`` waiting, not yet carried out, until ``release``.

        A call whose client hangs up while held is dropped (recorded with status 499), as a
        request lost on the way that never reached Telegram.
        """
        self._gates.setdefault(self._canonical(method), asyncio.Event())

    def release(self, method: str) -> None:
        """Let the held calls of ``method`` through, and stop holding new ones."""
        gate = self._gates.pop(self._canonical(method), None)
        if gate is not None:
            gate.set()

    # --- waiting -----------------------------------------------------------------------------

    # The timeout parameters are the helpers' interface for tests (and name the failure).
    async def wait_for(
        self,
        predicate: Callable[[], _T | None],
        timeout: float = 10.0,  # noqa: ASYNC109
        *,
        what: str = "condition",
    ) -> _T:
        """The first truthy value of ``predicate``, checked after every change; TimeoutError."""
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            changed = self._changed
            value = predicate()
            if value:
                return value
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0:
                raise TimeoutError(f"{what} not met within {timeout}s\n{self.describe()}")
            try:
                async with asyncio.timeout(remaining):
                    await changed.wait()
            except TimeoutError:
                pass

    async def wait_for_messages(
        self,
        chat_id: int,
        count: int,
        timeout: float = 10.0,  # noqa: ASYNC109
    ) -> list[JsonDict]:
        """``sent(chat_id)`` once it holds at least ``count`` entries (edits count too)."""
        try:
            # Count first and copy once: copying a long chat on every change of every chat
            # made the fake, not the bot, the bottleneck of the end-to-end benchmark.
            await self.wait_for(lambda: self.sent_count(chat_id) >= count or None, timeout)
            return self.sent(chat_id)
        except TimeoutError:
            sent = self.sent(chat_id)
            raise TimeoutError(
                f"expected at least {count} messages in chat {chat_id} within {timeout}s, "
                f"got {len(sent)}\n{self.describe(chat_id)}"
            ) from None

    def describe(self, chat_id: int | None = None) -> str:
        """What was sent (to one chat or all) and the failed calls, for failure messages."""
        lines: list[str] = []
        chat_ids = [chat_id] if chat_id is not None else sorted(self._chats)
        for cid in chat_ids:
            chat = self._chats.get(cid)
            lines.append(f"chat {cid}:" + ("" if chat and chat.sent else " nothing sent"))
            for number, entry in enumerate(chat.sent if chat else [], 1):
                content = entry.get("text") or entry.get("caption") or ""
                kind = next((k + " " for k in ("photo", "document") if k in entry), "")
                buttons = [
                    button.get("text")
                    for row in entry.get("reply_markup", {}).get("inline_keyboard", [])
                    for button in row
                ]
                lines.append(
                    f"  {number}. {entry['method']} #{entry['message_id']} {kind}{content[:200]!r}"
                    + (f" buttons={buttons}" if buttons else "")
                )
        failed = [call for call in self.calls if not call.ok][-10:]
        if failed:
            lines.append("failed calls:")
            lines.extend(f"  {c.method} {c.status} {c.description}" for c in failed)
        return "\n".join(lines)

    # --- HTTP plumbing -----------------------------------------------------------------------

    def _notify(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    def _canonical(self, method: str) -> str:
        entry = self._methods.get(method.lower())
        if entry is None:
            raise ValueError(f"FakeBotApi does not implement {method}")
        return entry[0]

    def _record(self, call: Call) -> None:
        self.calls.append(call)
        self._notify()

    async def _handle(self, request: web.Request) -> web.Response:
        arrived = time.monotonic()
        name = request.match_info["method"]
        if request.match_info["token"] != self.token:
            error = BotApiError(401, "Unauthorized")
            self._record(Call(name, {}, arrived, error.status, error.description))
            return web.json_response(error.payload(), status=error.status)
        entry = self._methods.get(name.lower())
        if entry is None:
            error = BotApiError(404, "Not Found")
            self._record(Call(name, {}, arrived, error.status, error.description))
            return web.json_response(error.payload(), status=error.status)
        name, handler = entry
        params: JsonDict = {}
        try:
            params = _normalise(await _read_params(request))
            if (gate := self._gates.get(name)) is not None:
                await self._hold(name, gate)
                if request.transport is None or request.transport.is_closing():
                    self._record(Call(name, params, arrived, _DROPPED, "client hung up"))
                    return web.Response(status=_DROPPED)
            if delays := self._delays.get(name):
                await self._sleep(delays.popleft())
            if faults := self._faults.get(name):
                fault = faults.popleft()
                if fault.status == _DROPPED and request.transport is not None:
                    self._record(Call(name, params, arrived, _DROPPED, fault.description))
                    request.transport.abort()
                    return web.Response(status=_DROPPED)
                raise BotApiError(fault.status, fault.description, retry_after=fault.retry_after)
            result = await handler(params)
        except BotApiError as error:
            self._record(Call(name, params, arrived, error.status, error.description))
            return web.json_response(error.payload(), status=error.status)
        self._record(Call(name, params, arrived))
        return web.json_response({"ok": True, "result": result})

    async def _download(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return web.json_response(BotApiError(401, "Unauthorized").payload(), status=401)
        path = request.match_info["path"]
        for stored in self._files.values():
            if stored.file_path == path:
                return web.Response(body=stored.data)
        return web.json_response(BotApiError(404, "Not Found").payload(), status=404)

    async def _hold(self, name: str, gate: asyncio.Event) -> None:
        """Wait until ``gate`` opens or the server stops."""
        self.held[name] += 1
        self._notify()
        waits = [asyncio.ensure_future(gate.wait()), asyncio.ensure_future(self._closing.wait())]
        try:
            await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for wait in waits:
                wait.cancel()
            self.held[name] -= 1

    async def _sleep(self, seconds: float) -> None:
        """Sleep, but no longer than until the server stops."""
        try:
            async with asyncio.timeout(seconds):
                await self._closing.wait()
        except TimeoutError:
            pass

    # --- state helpers -----------------------------------------------------------------------

    def _next_update(self) -> int:
        update_id = self._next_update_id
        self._next_update_id += 1
        return update_id

    @staticmethod
    def _next_message_id(chat: _Chat) -> int:
        # One counter per private chat, shared by both sides, as in Telegram.
        message_id = chat.next_message_id
        chat.next_message_id += 1
        return message_id

    def _chat(self, chat_id: int) -> _Chat:
        chat = self._chats.get(chat_id)
        if chat is None:
            raise ValueError(f"no user {chat_id}: call add_user or user_sends first")
        return chat

    def _target_chat(self, params: JsonDict) -> _Chat:
        """The chat a chat-bound method addresses; errors like Telegram's."""
        chat_id = params.get("chat_id")
        if chat_id is None or chat_id == "":
            raise _bad_request("chat_id is empty")
        chat = self._chats.get(chat_id) if isinstance(chat_id, int) else None
        if chat is None:
            raise _bad_request("chat not found")
        if chat.blocked:
            raise BotApiError(403, "Forbidden: bot was blocked by the user")
        return chat

    def _message_to_edit(self, chat: _Chat, params: JsonDict) -> JsonDict:
        if "inline_message_id" in params:
            raise _bad_request("inline messages are not supported by FakeBotApi")
        message_id = params.get("message_id")
        message = chat.messages.get(message_id) if isinstance(message_id, int) else None
        if message is None:
            raise _bad_request("message to edit not found")
        if message["from"]["id"] != self.bot_user["id"]:
            raise _bad_request("message can't be edited")
        return message

    def _new_message(self, chat: _Chat, params: JsonDict, method: str, **content: Any) -> JsonDict:
        message: JsonDict = {
            "message_id": self._next_message_id(chat),
            "from": copy.deepcopy(self.bot_user),
            "chat": copy.deepcopy(chat.chat),
            "date": int(time.time()),
        }
        reply = params.get("reply_parameters")
        reply = reply if isinstance(reply, dict) else {}
        reply_to = reply.get("message_id") or params.get("reply_to_message_id")
        if reply_to is not None:
            if reply_to in chat.messages:
                original = copy.deepcopy(chat.messages[reply_to])
                original.pop("reply_to_message", None)
                message["reply_to_message"] = original
            elif not (
                params.get("allow_sending_without_reply")
                or reply.get("allow_sending_without_reply")
            ):
                raise _bad_request("message to be replied not found")
        message.update({key: value for key, value in content.items() if value is not None})
        markup = _inline_markup(params.get("reply_markup"))
        if markup is not None:
            message["reply_markup"] = markup
        chat.messages[message["message_id"]] = message
        chat.sent.append({**copy.deepcopy(message), "method": method})
        return copy.deepcopy(message)

    def _store_file(self, data: bytes, kind: str, extension: str) -> _StoredFile:
        number = len(self._files) + 1
        stored = _StoredFile(
            file_id=f"{kind[:2].upper()}ACAgI{secrets.token_urlsafe(24)}",
            file_unique_id=f"AQAD{secrets.token_urlsafe(8)}",
            file_path=f"{kind}/file_{number}{extension}",
            data=data,
        )
        self._files[stored.file_id] = stored
        return stored

    def _file_input(self, params: JsonDict, name: str) -> UploadedFile | str:
        value = params.get(name)
        if isinstance(value, str) and value.startswith("attach://"):
            value = params.get(value.removeprefix("attach://"))
        if isinstance(value, UploadedFile) or (isinstance(value, str) and value):
            return value
        raise _bad_request(f"there is no {name} in the request")

    # --- methods -----------------------------------------------------------------------------

    async def _true(self, params: JsonDict) -> bool:
        return True

    async def _get_me(self, params: JsonDict) -> JsonDict:
        return copy.deepcopy(self.bot_user)

    async def _get_updates(self, params: JsonDict) -> list[JsonDict]:
        if self.webhook_url:
            raise BotApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        offset = params.get("offset") or 0
        if offset > 0:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
        elif offset < 0:
            self._updates = self._updates[offset:]
        limit = min(max(params.get("limit") or 100, 1), 100)
        timeout = max(params.get("timeout") or 0, 0)
        # A newer getUpdates ends an older one with 409, as Telegram does when two bots poll.
        self._poll_generation += 1
        generation = self._poll_generation
        self._notify()  # wakes the older poll so that it can give up
        deadline = asyncio.get_running_loop().time() + timeout
        while not self._updates and not self._closing.is_set():
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0 or generation != self._poll_generation:
                break
            changed = self._changed
            try:
                async with asyncio.timeout(remaining):
                    await changed.wait()
            except TimeoutError:
                break
        if generation != self._poll_generation:
            raise BotApiError(
                409,
                "Conflict: terminated by other getUpdates request; "
                "make sure that only one bot instance is running",
            )
        return copy.deepcopy(self._updates[:limit])

    async def _send_message(self, params: JsonDict) -> JsonDict:
        chat = self._target_chat(params)
        text, entities = _message_text(params, "text", "entities", MAX_TEXT_LENGTH)
        _inline_markup(params.get("reply_markup"))  # validate before anything is stored
        return self._new_message(chat, params, "sendMessage", text=text, entities=entities)

    async def _edit_message_text(self, params: JsonDict) -> JsonDict:
        chat = self._target_chat(params)
        message = self._message_to_edit(chat, params)
        if "text" not in message:
            raise _bad_request("there is no text in the message to edit")
        text, entities = _message_text(params, "text", "entities", MAX_TEXT_LENGTH)
        markup = _inline_markup(params.get("reply_markup"))
        if (text, entities, markup) == (
            message["text"],
            message.get("entities"),
            message.get("reply_markup"),
        ):
            raise _not_modified()
        message["text"] = text
        message.pop("entities", None)
        if entities:
            message["entities"] = entities
        # Telegram drops the inline keyboard of a message edited without one.
        message.pop("reply_markup", None)
        if markup is not None:
            message["reply_markup"] = markup
        return self._edited(chat, message, "editMessageText")

    async def _edit_message_reply_markup(self, params: JsonDict) -> JsonDict:
        chat = self._target_chat(params)
        message = self._message_to_edit(chat, params)
        markup = _inline_markup(params.get("reply_markup"))
        if markup == message.get("reply_markup"):
            raise _not_modified()
        message.pop("reply_markup", None)
        if markup is not None:
            message["reply_markup"] = markup
        return self._edited(chat, message, "editMessageReplyMarkup")

    def _edited(self, chat: _Chat, message: JsonDict, method: str) -> JsonDict:
        message["edit_date"] = int(time.time())
        chat.sent.append({**copy.deepcopy(message), "method": method})
        return copy.deepcopy(message)

    async def _delete_message(self, params: JsonDict) -> bool:
        chat = self._target_chat(params)
        message_id = params.get("message_id")
        if not isinstance(message_id, int) or chat.messages.pop(message_id, None) is None:
            raise _bad_request("message to delete not found")
        return True

    async def _answer_callback_query(self, params: JsonDict) -> bool:
        query_id = str(params.get("callback_query_id", ""))
        if self._callback_queries.get(query_id, True):  # unknown or already answered
            raise _bad_request(
                "query is too old and response timeout expired or query ID is invalid"
            )
        if len(str(params.get("text") or "")) > 200:
            raise _bad_request("MESSAGE_TOO_LONG")
        self._callback_queries[query_id] = True
        return True

    async def _send_chat_action(self, params: JsonDict) -> bool:
        self._target_chat(params)
        if params.get("action") not in _CHAT_ACTIONS:
            raise _bad_request("wrong parameter action in request")
        return True

    @staticmethod
    def _commands_key(params: JsonDict) -> tuple[str, str]:
        scope = params.get("scope") or {"type": "default"}
        return json.dumps(scope, sort_keys=True), str(params.get("language_code") or "")

    async def _set_my_commands(self, params: JsonDict) -> bool:
        commands = params.get("commands")
        if not isinstance(commands, list) or len(commands) > 100:
            raise _bad_request("can't parse commands JSON object")
        for command in commands:
            if not isinstance(command, dict) or not _COMMAND_RE.fullmatch(
                str(command.get("command", ""))
            ):
                raise _bad_request("BOT_COMMAND_INVALID")
            if not 1 <= len(str(command.get("description", "")).strip()) <= 256:
                raise _bad_request("command description is empty")
        self.commands[self._commands_key(params)] = [
            {"command": c["command"], "description": c["description"]} for c in commands
        ]
        return True

    async def _get_my_commands(self, params: JsonDict) -> list[JsonDict]:
        return copy.deepcopy(self.commands.get(self._commands_key(params), []))

    async def _delete_my_commands(self, params: JsonDict) -> bool:
        self.commands.pop(self._commands_key(params), None)
        return True

    async def _set_webhook(self, params: JsonDict) -> bool:
        url = str(params.get("url") or "")
        secret = params.get("secret_token")
        if secret is not None and not _SECRET_TOKEN_RE.fullmatch(str(secret)):
            raise _bad_request("secret token contains unallowed characters")
        if url and not url.startswith(("http://", "https://")):
            # Real Telegram wants HTTPS on 443/80/88/8443; tests serve plain HTTP on any port.
            raise _bad_request("bad webhook: An HTTPS URL must be provided for webhook")
        if params.get("drop_pending_updates"):
            self._updates.clear()
        self.webhook_url = url
        self.webhook_secret = str(secret) if secret is not None else None
        allowed = params.get("allowed_updates")
        self.webhook_allowed_updates = list(allowed) if isinstance(allowed, list) else None
        self._notify()
        return True

    async def _delete_webhook(self, params: JsonDict) -> bool:
        if params.get("drop_pending_updates"):
            self._updates.clear()
        self.webhook_url = ""
        self.webhook_secret = None
        self.webhook_allowed_updates = None
        self._notify()
        return True

    async def _get_webhook_info(self, params: JsonDict) -> JsonDict:
        info: JsonDict = {
            "url": self.webhook_url,
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }
        if self.webhook_url:
            info["max_connections"] = 40
            info["ip_address"] = "127.0.0.1"
            if self.webhook_allowed_updates is not None:
                info["allowed_updates"] = self.webhook_allowed_updates
        return info

    async def _send_photo(self, params: JsonDict) -> JsonDict:
        chat = self._target_chat(params)
        photo = self._file_input(params, "photo")
        caption, entities = _caption(params)
        _inline_markup(params.get("reply_markup"))
        if isinstance(photo, UploadedFile):
            size = _image_size(photo.data)
            if size is None:
                raise _bad_request("IMAGE_PROCESS_FAILED")
            width, height = size
            # sendPhoto: at most 10 MB, width + height at most 10,000, a side ratio of 20.
            if len(photo.data) > MAX_PHOTO_BYTES:
                raise BotApiError(400, "Bad Request: file is too big")
            if width + height > 10_000 or max(width, height) > 20 * max(1, min(width, height)):
                raise _bad_request("PHOTO_INVALID_DIMENSIONS")
            stored = self._store_file(photo.data, "photos", ".jpg")
            sizes = self._photo_sizes(stored, *size)
        elif photo in self._files:
            stored = self._files[photo]
            sizes = self._photo_sizes(stored, *(_image_size(stored.data) or (800, 600)))
        elif photo.startswith(("http://", "https://")):
            stored = self._store_file(b"", "photos", ".jpg")
            sizes = self._photo_sizes(stored, 800, 600)
        else:
            raise _bad_request("wrong file identifier/HTTP URL specified")
        return self._new_message(
            chat, params, "sendPhoto", photo=sizes, caption=caption, caption_entities=entities
        )

    def _photo_sizes(self, stored: _StoredFile, width: int, height: int) -> list[JsonDict]:
        """A thumbnail and the full size, as Telegram lists them (smallest first)."""
        sizes: list[JsonDict] = []
        for longest, share in ((90, 0.05), (1280, 1.0)):
            w, h = _scaled(width, height, longest)
            sizes.append(
                {
                    "file_id": stored.file_id if share == 1.0 else stored.file_id + "_s",
                    "file_unique_id": stored.file_unique_id + ("" if share == 1.0 else "s"),
                    "width": w,
                    "height": h,
                    "file_size": max(1, int(len(stored.data) * share)),
                }
            )
        return sizes

    async def _send_document(self, params: JsonDict) -> JsonDict:
        chat = self._target_chat(params)
        document = self._file_input(params, "document")
        caption, entities = _caption(params)
        _inline_markup(params.get("reply_markup"))
        if isinstance(document, UploadedFile):
            if not document.data:
                raise _bad_request("file must be non-empty")
            name = document.filename or "file"
            stored = self._store_file(document.data, "documents", "." + name.rpartition(".")[2])
            info: JsonDict = {"file_name": name, "mime_type": document.content_type}
        elif document in self._files:
            stored = self._files[document]
            info = {"file_name": stored.file_path.rpartition("/")[2]}
        else:
            raise _bad_request("wrong file identifier/HTTP URL specified")
        info.update(
            file_id=stored.file_id,
            file_unique_id=stored.file_unique_id,
            file_size=len(stored.data),
        )
        return self._new_message(
            chat, params, "sendDocument", document=info, caption=caption, caption_entities=entities
        )

    async def _get_file(self, params: JsonDict) -> JsonDict:
        stored = self._files.get(str(params.get("file_id") or ""))
        if stored is None:
            raise _bad_request("invalid file_id")
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": len(stored.data),
            "file_path": stored.file_path,
        }


# --- request parameters ----------------------------------------------------------------------


async def _read_params(request: web.Request) -> JsonDict:
    """Query string plus a JSON, urlencoded or multipart body, as one dict."""
    params: JsonDict = dict(request.query)
    if not request.body_exists:
        return params
    if request.content_type == "application/json":
        try:
            body = await request.json()
        except json.JSONDecodeError as error:
            raise _bad_request("can't parse JSON request body") from error
        if not isinstance(body, dict):
            raise _bad_request("the JSON request body must be an object")
        params.update(body)
    elif request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        form = await request.post()
        for key, value in form.items():
            if isinstance(value, web.FileField):
                params[key] = UploadedFile(
                    filename=value.filename,
                    content_type=value.content_type,
                    data=value.file.read(),
                )
            else:
                params[key] = value
    return params


def _normalise(params: JsonDict) -> JsonDict:
    """Decode JSON-serialised fields and typed scalars that arrive as strings in forms."""
    out: JsonDict = {}
    for key, value in params.items():
        if key in _JSON_FIELDS and isinstance(value, str):
            try:
                value = json.loads(value)
            except json.JSONDecodeError as error:
                raise _bad_request(f"can't parse {key} JSON object") from error
        elif key in _INT_FIELDS or key == "chat_id":
            value = _to_int(key, value)
        elif key in _BOOL_FIELDS and isinstance(value, str):
            if value.lower() not in ("true", "false", "1", "0"):
                raise _bad_request(f"invalid {key} specified")
            value = value.lower() in ("true", "1")
        out[key] = value
    return out


def _to_int(key: str, value: Any) -> Any:
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise _bad_request(f"invalid {key} specified")
    if isinstance(value, int):
        return value
    if re.fullmatch(r"-?\d+", value.strip()):
        return int(value)
    if key == "chat_id":
        return value  # "@channelusername"; no such chat here, answered as "chat not found"
    raise _bad_request(f"invalid {key} specified")


def _message_text(
    params: JsonDict, text_key: str, entities_key: str, limit: int
) -> tuple[str, list[JsonDict] | None]:
    """The plain text and entities of a text or caption, validated like Telegram does."""
    raw = params.get(text_key)
    text = "" if raw is None else str(raw)
    parse_mode = str(params.get("parse_mode") or "")
    entities = params.get(entities_key)
    if parse_mode.lower() == "html":
        text, entities = parse_html(text)
    elif parse_mode and parse_mode.lower() not in ("markdown", "markdownv2"):
        raise _bad_request("unsupported parse_mode")
    if text_key == "text" and not text.strip():
        raise _bad_request("message text is empty")
    if len(text) > limit:
        raise _bad_request(
            "message is too long" if text_key == "text" else "message caption is too long"
        )
    return text, (entities or None)


def _caption(params: JsonDict) -> tuple[str | None, list[JsonDict] | None]:
    if not params.get("caption"):
        return None, None
    return _message_text(params, "caption", "caption_entities", MAX_CAPTION_LENGTH)


def _not_modified() -> BotApiError:
    return _bad_request(
        "message is not modified: specified new message content and reply markup are exactly "
        "the same as a current content and reply markup of the message"
    )


def _inline_markup(markup: Any) -> JsonDict | None:
    """Validate a reply markup; the inline keyboard Telegram echoes in the Message, if any.

    Only inline keyboards appear in a Message: reply keyboards are accepted but not echoed
    (python-telegram-bot would not parse them there either).
    """
    if markup is None:
        return None
    if not isinstance(markup, dict):
        raise _bad_request("can't parse reply keyboard markup JSON object")
    if "inline_keyboard" not in markup:
        if not {"keyboard", "remove_keyboard", "force_reply"} & markup.keys():
            raise _bad_request("can't parse reply keyboard markup JSON object")
        return None
    rows = markup["inline_keyboard"]
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise _bad_request(
            "can't parse inline keyboard button: InlineKeyboardButton must be an Object"
        )
    if sum(len(row) for row in rows) > MAX_INLINE_BUTTONS:
        raise _bad_request("reply markup is too long")
    for row in rows:
        for button in row:
            if not isinstance(button, dict) or not str(button.get("text", "")):
                raise _bad_request("can't parse inline keyboard button: Text buttons are unallowed")
            if "callback_data" in button:
                data = str(button["callback_data"]).encode()
                if not 1 <= len(data) <= MAX_CALLBACK_DATA_BYTES:
                    raise _bad_request("BUTTON_DATA_INVALID")
            elif len(button) == 1:
                raise _bad_request("text buttons are unallowed in the inline keyboard")
    return {"inline_keyboard": copy.deepcopy(rows)}
