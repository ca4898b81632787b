"""Hiding the screen and the idle lock (a mixin of `CasetermApp`).

F12 / ctrl+l or idle time covers the screen with `screens.lock.LockScreen`; while
locked no action but quit runs and toasts are held (they could show a client's
name) until `unlocked`. The idle clock is injected (tests move it by hand).
"""

from __future__ import annotations

from typing import Any

from textual import events

from caseterm import clock


class ScreenLockMixin:
    """Lock, unlock, the idle check and the notifications held meanwhile."""

    @property
    def idle_lock_seconds(self) -> float:
        if self._idle_lock_seconds is None:
            from caseterm.policy import load_policy

            self._idle_lock_seconds = float(load_policy().privacy.idle_lock_minutes) * 60
        return self._idle_lock_seconds

    def action_hide(self) -> None:
        self.lock(reason="hidden")

    def lock(self, reason: str = "idle") -> None:
        """Cover the screen at once; nothing with client data shows until unlocked."""
        if self.locked:
            return
        from caseterm.screens.lock import LockScreen

        self.clear_notifications()
        self.locked = True
        self.push_screen(LockScreen(reason=reason))
        from caseterm.vocabulary import AuditAction

        self.audit(AuditAction.LOCK, detail=f"reason={reason}")

    def unlocked(self) -> None:
        """Called by the lock screen once the user has confirmed."""
        self.locked = False
        self._last_input = self._idle_clock()
        held, self._held_notifications = self._held_notifications, []
        for message, args, kwargs in held:
            self.notify(message, *args, **kwargs)

    def _check_idle(self) -> None:
        self.idle_checks += 1
        if not self.locked and self._idle_clock() - self._last_input >= self.idle_lock_seconds:
            self.lock(reason="idle")

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, (events.Key, events.MouseDown, events.MouseScrollDown, events.MouseScrollUp)):
            self._last_input = self._idle_clock()
        await super().on_event(event)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if self.locked and action not in ("quit",):
            return False
        return True

    def notify(self, message: str, *args: Any, **kwargs: Any) -> None:  # type: ignore[override]
        if self.locked:
            # A toast could show a client's name over the lock screen: hold it until unlocked.
            self._held_notifications.append((message, args, kwargs))
            return
        from caseterm.messages import Notice

        # A toast goes after a few seconds; what it said stays readable (memory only, this session).
        self.notice_log.append(Notice(str(message), str(kwargs.get("severity", "information")), clock.now()))
        super().notify(message, *args, **kwargs)
