"""Which mail server answers are worth retrying: the digest retries temporary failures and records permanent ones."""

import smtplib

from matchmaker.email.backends import ConnectionLost, PermanentDeliveryError, TemporaryDeliveryError, classify


def test_a_5xx_answer_is_permanent_and_keeps_the_servers_words():
    refused = smtplib.SMTPRecipientsRefused({"nobody@example.org": (550, b"5.1.1 No such mailbox")})
    error = classify(refused)
    assert isinstance(error, PermanentDeliveryError)
    assert str(error) == "550 5.1.1 No such mailbox"
    assert isinstance(classify(smtplib.SMTPDataError(554, b"Message rejected as spam")), PermanentDeliveryError)


def test_a_4xx_answer_is_temporary():
    error = classify(smtplib.SMTPDataError(451, b"Requested action aborted: local error"))
    assert isinstance(error, TemporaryDeliveryError) and not isinstance(error, PermanentDeliveryError)
    assert str(error) == "451 Requested action aborted: local error"
    greylisted = smtplib.SMTPRecipientsRefused({"a@example.org": (450, b"Greylisted, try again later")})
    assert isinstance(classify(greylisted), TemporaryDeliveryError)


def test_a_lost_or_refused_connection_is_temporary_whatever_the_code():
    assert isinstance(classify(smtplib.SMTPServerDisconnected("Connection unexpectedly closed")), ConnectionLost)
    assert isinstance(classify(ConnectionRefusedError(111, "Connection refused")), ConnectionLost)
