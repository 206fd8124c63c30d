"""python-telegram-bot's HTTP seam (``BaseRequest``) on an aiohttp session.

PTB's default transport is httpx. Under load, httpx spent about 5 ms of CPU per Bot API call
here, half of the bot's time (py-spy; most of it scanning its connection pool); aiohttp's
client does the same work for a fraction of that. Requests are sent exactly as PTB's own
transport sends them: a urlencoded form, or multipart when files are attached.
"""

from __future__ import annotations

from typing import Any

import aiohttp
from telegram._utils.defaultvalue import DefaultValue
from telegram._utils.types import ODVInput, UploadFileDict
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData


class AiohttpRequest(BaseRequest):
    """One aiohttp session with a bounded connection pool."""

    def __init__(
        self,
        *,
        connection_pool_size: int = 32,
        read_timeout: float | None = 5.0,
        write_timeout: float | None = 5.0,
        connect_timeout: float | None = 5.0,
        media_write_timeout: float | None = 20.0,
    ) -> None:
        self._pool_size = connection_pool_size
        self._timeouts = {"read": read_timeout, "write": write_timeout,
                          "connect": connect_timeout}  # fmt: skip
        self._media_write_timeout = media_write_timeout
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float | None:
        return self._timeouts["read"]

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(limit=self._pool_size)
            self._session = aiohttp.ClientSession(
                connector=connector, headers={"User-Agent": self.USER_AGENT}
            )

    async def shutdown(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        write_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        connect_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        pool_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        if self._session is None or self._session.closed:
            raise RuntimeError("AiohttpRequest is not initialized")
        files = request_data.multipart_data if request_data else None
        read = self._timeouts["read"] if isinstance(read_timeout, DefaultValue) else read_timeout
        connect = (
            self._timeouts["connect"] if isinstance(connect_timeout, DefaultValue)
            else connect_timeout
        )  # fmt: skip
        write = write_timeout
        if isinstance(write, DefaultValue):
            write = self._media_write_timeout if files else self._timeouts["write"]
        # aiohttp has no separate write timeout: the whole request may take connect + write +
        # read, each phase keeping its own limit where aiohttp has one.
        phases = [t for t in (connect, write, read) if t is not None]
        timeout = aiohttp.ClientTimeout(
            total=sum(phases) if len(phases) == 3 else None,
            sock_connect=connect,
            sock_read=read,
        )
        body: Any = None
        if request_data is not None:
            body = _form(request_data.json_parameters, files) if files else (
                request_data.json_parameters
            )  # fmt: skip
        try:
            async with self._session.request(method, url, data=body, timeout=timeout) as response:
                return response.status, await response.read()
        except TimeoutError as error:
            raise TimedOut from error
        except aiohttp.ClientError as error:
            raise NetworkError(f"aiohttp.{type(error).__name__}: {error}") from error


def _form(fields: dict[str, str], files: UploadFileDict) -> aiohttp.FormData:
    form = aiohttp.FormData()
    for name, value in fields.items():
        form.add_field(name, value)
    for name, (filename, content, content_type) in files.items():
        form.add_field(name, content, filename=filename, content_type=content_type)
    return form
