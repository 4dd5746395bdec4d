"""Dependencies that check an object in the path belongs to the caller's workspace before anything else.

They run before the request body is read, so an object of another workspace answers 404 whatever the body
says (never 422 about a body meant for it). Admin-only endpoints check the role first (403).
"""

from __future__ import annotations

from fastapi import Depends
from sqlalchemy.orm import Session

from outboard.api.auth import Caller, admin, caller, db_session
from outboard.api.params import ObjectId
from outboard.db.models import LinkedinTask, Message, Run, SenderAccount, Sequence, StrategyProfileRow
from outboard.db.scope import Scope


def _ours(session: Session, who: Caller, model: type, object_id: int, what: str) -> int:
    return Scope(session, who.workspace_id).get(model, object_id, what).id


def run_id(run_id: ObjectId, who: Caller = Depends(caller), session: Session = Depends(db_session)) -> int:
    return _ours(session, who, Run, run_id, "run")


def sequence_id(sequence_id: ObjectId, who: Caller = Depends(caller), session: Session = Depends(db_session)) -> int:
    return _ours(session, who, Sequence, sequence_id, "sequence")


def message_id(message_id: ObjectId, who: Caller = Depends(caller), session: Session = Depends(db_session)) -> int:
    return _ours(session, who, Message, message_id, "message")


def task_id(task_id: ObjectId, who: Caller = Depends(caller), session: Session = Depends(db_session)) -> int:
    return _ours(session, who, LinkedinTask, task_id, "task")


def account_id(account_id: ObjectId, who: Caller = Depends(caller), session: Session = Depends(db_session)) -> int:
    return _ours(session, who, SenderAccount, account_id, "sender account")


def admin_account_id(account_id: ObjectId, who: Caller = Depends(admin),
                     session: Session = Depends(db_session)) -> int:
    return _ours(session, who, SenderAccount, account_id, "sender account")


def strategy_id(strategy_id: ObjectId, who: Caller = Depends(caller), session: Session = Depends(db_session)) -> int:
    return _ours(session, who, StrategyProfileRow, strategy_id, "strategy profile")


def admin_strategy_id(strategy_id: ObjectId, who: Caller = Depends(admin),
                      session: Session = Depends(db_session)) -> int:
    return _ours(session, who, StrategyProfileRow, strategy_id, "strategy profile")
