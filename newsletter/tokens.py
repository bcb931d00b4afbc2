"""Signed links in newsletter email: the reader's proof that the inbox is theirs.

A token names a subscriber and a digest of their address, so a link stops
working if the address changes, and the address itself never appears in a URL
(and so in access logs). Confirmation links expire; manage and unsubscribe
links do not, as they sit in every email a reader keeps.
"""

import hashlib

from django.conf import settings
from django.core import signing

from .models import Subscriber


class InvalidToken(Exception):
    def __init__(self, *, expired=False):
        super().__init__("expired" if expired else "invalid")
        self.expired = expired


def _confirm_signer():
    return signing.TimestampSigner(salt="newsletter.confirm")


def _manage_signer():
    # Without a time in it, a reader's manage link is the same in every email.
    return signing.Signer(salt="newsletter.manage")


def _address_digest(email):
    return hashlib.sha256(email.encode()).hexdigest()[:16]


def _sign(signer, subscriber):
    return signer.sign_object([subscriber.pk, _address_digest(subscriber.email)])


def _subscriber(signer, token, **unsign) -> Subscriber:
    try:
        pk, digest = signer.unsign_object(token, **unsign)
    except signing.SignatureExpired:
        raise InvalidToken(expired=True) from None
    except (signing.BadSignature, ValueError, TypeError):
        raise InvalidToken from None
    subscriber = Subscriber.objects.filter(pk=pk).first()
    if subscriber is None or _address_digest(subscriber.email) != digest:
        raise InvalidToken
    return subscriber


def confirm_token(subscriber) -> str:
    return _sign(_confirm_signer(), subscriber)


def manage_token(subscriber) -> str:
    return _sign(_manage_signer(), subscriber)


def subscriber_from_confirm_token(token) -> Subscriber:
    """The subscriber a confirmation link was sent to; InvalidToken if it is
    altered, expired (NEWSLETTER_CONFIRM_MAX_AGE) or its subscriber is gone."""
    return _subscriber(_confirm_signer(), token, max_age=settings.NEWSLETTER_CONFIRM_MAX_AGE)


def subscriber_from_manage_token(token) -> Subscriber:
    return _subscriber(_manage_signer(), token)
