"""What the 历史对话 list does: save a conversation as it grows, reopen, rename and delete one.

No Gradio layout here (web/ui_history.py wires it). The store is web/history.py; who owns a conversation
is web/browser_id.py's business. A storage failure (disk full, a locked file) is logged and shown as one
line in the list: the chat itself keeps working, only unsaved.
"""

from __future__ import annotations

import logging
import sqlite3
from typing import Any

from errors import PolicyQAError
from web.browser_id import CookieSigner
from web.history import ConversationStore
from web.pages import render
from web.session import ChatSession

log = logging.getLogger(__name__)

UNSAVED = "历史对话暂时无法保存，请稍后再试；当前对话不受影响。"
RENAMED = "已重命名。"
DELETED = "已删除。"


class ChatHistory:
    def __init__(self, store: ConversationStore, signer: CookieSigner) -> None:
        self._store = store
        self._signer = signer

    def owner(self, request: Any) -> str | None:
        return self._signer.owner(request)

    def listing(self, owner: str | None, current: str = "", message: str = "") -> str:
        items = []
        if owner is not None:
            try:
                items = self._store.list(owner)
            except (sqlite3.Error, OSError):
                log.exception("listing saved conversations failed")
                message = UNSAVED
        return render("history.html", saving=owner is not None, items=items, current=current, message=message)

    def remember(self, request: Any, session: ChatSession) -> str:
        """Save `session` for the request's owner; the list as it is now."""
        owner = self.owner(request)
        message = ""
        if owner is not None:
            try:
                self._store.save(owner, session)
            except (sqlite3.Error, OSError):
                log.exception("saving a conversation failed")
                message = UNSAVED
        return self.listing(owner, session.session_id, message)

    def restore(self, request: Any) -> tuple[ChatSession, str]:
        """What a (re)loaded page shows: the conversation used last, or a new one."""
        owner = self.owner(request)
        session = None
        if owner is not None:
            try:
                session = self._store.latest(owner)
            except (PolicyQAError, sqlite3.Error, OSError):
                log.exception("reopening the latest conversation failed")
        session = session or ChatSession()
        return session, self.listing(owner, session.session_id)

    def act(self, request: Any, session: ChatSession, data: dict[str, Any]) -> tuple[ChatSession, str]:
        """A click in the list (`data`: {"action": "open"|"rename"|"delete", "id": str, "name"?: str});
        returns the conversation to show (a deleted current one gives way to a new one) and the list."""
        owner = self.owner(request)
        action, conversation_id = str(data.get("action", "")), str(data.get("id", ""))
        message = ""
        try:
            if owner is None:
                return session, self.listing(owner)
            if action == "open":
                session = self._store.load(owner, conversation_id)
            elif action == "rename":
                name = self._store.rename(owner, conversation_id, str(data.get("name", "")))
                if conversation_id == session.session_id:
                    session.name = name
                message = RENAMED
            elif action == "delete":
                self._store.delete(owner, conversation_id)
                if conversation_id == session.session_id:
                    session = ChatSession()
                message = DELETED
        except PolicyQAError as exc:
            message = exc.message
        except (sqlite3.Error, OSError):
            log.exception("%s of a saved conversation failed", action)
            message = UNSAVED
        return session, self.listing(owner, session.session_id, message)
