"""Outgoing e-mail: SMTP when KINDRED_SMTP_URL is set, else files in var/outbox/."""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Mapping
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path
from urllib.parse import unquote, urlsplit

import anyio.to_thread

from community.settings import Settings


class Mailer:
    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self.outbox = settings.var_dir / "outbox"

    async def send(self, to: str, subject: str, body: str, *,
                   headers: Mapping[str, str] | None = None, message_id: str | None = None) -> None:
        """Send one message. A fixed `message_id` makes a repeat replace the outbox file
        (and lets receivers drop the duplicate)."""
        message = EmailMessage()
        message["From"] = self._settings.mail_from
        message["To"] = to
        message["Subject"] = subject
        message["Message-ID"] = message_id or make_msgid(domain="kindred.local")
        for name, value in (headers or {}).items():
            message[name] = value
        message.set_content(body)
        if self._settings.smtp_url:
            await anyio.to_thread.run_sync(self._send_smtp, message)
        else:
            await anyio.to_thread.run_sync(self._write_outbox, message)

    def _write_outbox(self, message: EmailMessage) -> Path:
        self.outbox.mkdir(parents=True, exist_ok=True)
        name = message["Message-ID"].strip("<>").replace("@", "_")
        path = self.outbox / f"{name}.eml"
        temporary = path.with_suffix(".tmp")
        temporary.write_bytes(message.as_bytes())
        temporary.replace(path)
        return path

    def _send_smtp(self, message: EmailMessage) -> None:
        url = urlsplit(self._settings.smtp_url or "")
        secure = url.scheme == "smtps"
        port = url.port or (465 if secure else 587)
        host = url.hostname or "localhost"
        client: smtplib.SMTP = (
            smtplib.SMTP_SSL(host, port, context=ssl.create_default_context(), timeout=20)
            if secure
            else smtplib.SMTP(host, port, timeout=20)
        )
        with client:
            if not secure and url.scheme != "smtp+plain":
                client.starttls(context=ssl.create_default_context())
            if url.username:
                client.login(unquote(url.username), unquote(url.password or ""))
            client.send_message(message)
