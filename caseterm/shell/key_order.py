"""Keys are acted on in the order they were typed (a mixin of `CasetermApp`).

Textual runs a priority binding (Ctrl+S "save note", Enter "log attempt", Ctrl+S
in a record form) at once, in the app's own task. The keys typed just before it
were handed to the focused widget's queue; a key the widget does not take itself
then bubbles back to the app's queue, where Textual looks up the ordinary
bindings. Typed fast — or pasted, or sent by tmux in one go — "…Thursday.⌃S"
saved the note before its last words reached the text area (or refused it as
empty), and "p 3 ⏎" in the quick log logged the default outcome, then took "3"
as "switch to Team".

So a priority key waits for the keys and pastes handed out before it:
1. a callback posted behind them in each receiving widget's queue, and its
   parents' up to the screen, must have run (the widgets have taken theirs);
2. then the key is posted again, behind what bubbled up to the app's queue, and
   every key that arrives meanwhile follows it, in order.
Typing that meets no priority binding pays nothing. A handler that waits on the
app itself cannot deadlock step 1: it gives up after `KEY_ORDER_WAIT_SECONDS`.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from textual import events

if TYPE_CHECKING:
    from textual.message_pump import MessagePump

#: The longest a priority key waits for the keys typed before it (a safety valve).
KEY_ORDER_WAIT_SECONDS = 2.0
#: Set on a key or paste the app posted again to keep it in order.
_REQUEUED = "_caseterm_requeued"


class KeyOrderMixin:
    """Priority bindings wait for the keys typed before them."""

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, (events.Key, events.Paste)) and not event.is_forwarded:
            requeued = getattr(event, _REQUEUED, False)
            if requeued:
                self._keys_requeued -= 1
            elif self._keys_requeued:
                self._requeue(event)  # behind a priority key that is waiting: keep the order
                return
            if isinstance(event, events.Key) and self._keys_out and self._has_priority_binding(event.key):
                await self._let_keys_through()
                if not requeued:
                    self._requeue(event)  # behind the keys that bubbled up to the app meanwhile
                    return
            if isinstance(event, events.Paste):
                self._handed_out(self.focused or self.screen)  # type: ignore[attr-defined]
        await super().on_event(event)  # type: ignore[misc]

    async def _check_bindings(self, key: str, priority: bool = False) -> bool:
        handled = await super()._check_bindings(key, priority)  # type: ignore[misc]
        if priority and not handled:
            # Textual hands the key to the focused widget next (App.on_event).
            self._handed_out(self.focused or self.screen)  # type: ignore[attr-defined]
        return handled

    def _requeue(self, event: events.Key | events.Paste) -> None:
        again: events.Key | events.Paste = (
            events.Key(event.key, event.character) if isinstance(event, events.Key) else events.Paste(event.text)
        )
        again.set_sender(self)  # type: ignore[arg-type]
        setattr(again, _REQUEUED, True)
        self._keys_requeued += 1
        self.post_message(again)  # type: ignore[attr-defined]

    def _handed_out(self, target: "MessagePump") -> None:
        self._keys_out.setdefault(id(target), target)

    def _has_priority_binding(self, key: str) -> bool:
        return any(
            binding.priority
            for _namespace, bindings in self.screen._binding_chain  # type: ignore[attr-defined]
            for binding in bindings.key_to_bindings.get(key, ())
        )

    async def _let_keys_through(self) -> None:
        """Wait until every widget handed a key since the last wait has dealt with it,
        and each of its parents up to the screen with whatever bubbled to it."""
        targets = list(self._keys_out.values())
        self._keys_out.clear()
        seen: set[int] = set()
        for target in targets:
            node: Any = target
            while node is not None and node is not self and id(node) not in seen:
                seen.add(id(node))
                reached = asyncio.Event()
                if node.call_later(reached.set):
                    try:
                        await asyncio.wait_for(reached.wait(), KEY_ORDER_WAIT_SECONDS)
                    except asyncio.TimeoutError:
                        return  # busy for long: act on the key as Textual would
                node = node.parent
