from __future__ import annotations

from fastapi import APIRouter, Depends, Response
from sqlalchemy.orm import Session

from outboard.api.auth import Caller, caller, db_session, get_runtime
from outboard.api.errors import responses
from outboard.api.params import ObjectId
from outboard.api.schemas import TokenCreatedOut, TokenIn, TokenOut
from outboard.db.models import ApiToken
from outboard.runtime import Runtime
from outboard.team.tokens import create_token, list_tokens, revoke_token

router = APIRouter(tags=["tokens"])


def token_out(token: ApiToken) -> TokenOut:
    return TokenOut(id=token.id, name=token.name, prefix=token.prefix, user_id=token.user_id,
                    created_at=token.created_at, last_used_at=token.last_used_at, revoked_at=token.revoked_at)


@router.get("/tokens", response_model=list[TokenOut], responses=responses())
def tokens(who: Caller = Depends(caller), session: Session = Depends(db_session)) -> list[TokenOut]:
    """API tokens: your own; an admin sees every token of the workspace."""
    return [token_out(t) for t in list_tokens(session, who.workspace_id, None if who.is_admin else who.user_id)]


@router.post("/tokens", response_model=TokenCreatedOut, status_code=201, responses=responses(422))
def new_token(body: TokenIn, who: Caller = Depends(caller), rt: Runtime = Depends(get_runtime)) -> TokenCreatedOut:
    """Create a token for yourself. The token is in this answer only."""
    with rt.db.transaction() as session:
        token, plaintext = create_token(session, who.workspace_id, who.user_id, body.name)
        return TokenCreatedOut(**token_out(token).model_dump(), token=plaintext)


@router.delete("/tokens/{token_id}", status_code=204, response_class=Response, responses=responses(404))
def delete_token(token_id: ObjectId, who: Caller = Depends(caller), rt: Runtime = Depends(get_runtime)) -> Response:
    """Revoke a token (yours; an admin may revoke any in the workspace)."""
    with rt.db.transaction() as session:
        revoke_token(session, who.workspace_id, token_id, user_id=None if who.is_admin else who.user_id)
    return Response(status_code=204)
