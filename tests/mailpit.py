"""What the app really sent, read back from Mailpit's API (no mail mock): each test session tags its mail, and each
test starts with its tag's messages deleted."""
from dataclasses import dataclass, field
from functools import cached_property

import requests


@dataclass(frozen=True)
class Mail:
    to: str
    subject: str
    body: str
    id: str
    base_url: str = field(default="", compare=False, repr=False)

    @cached_property
    def headers(self):
        """{name: [values]} of the message's headers, as Mailpit received them."""
        found = requests.get(f"{self.base_url}/api/v1/message/{self.id}/headers", timeout=10)
        found.raise_for_status()
        return found.json()


class Mailbox:
    """A list-like view of the mail this test sent, fetched anew on each look. Mail still in the outbox (queued outside
    a request, e.g. by a command) is delivered first, as the worker would."""

    def __init__(self, app, base_url, tag):
        self.app, self.base_url, self.tag = app, base_url.rstrip("/"), tag

    def clear(self):
        response = requests.delete(f"{self.base_url}/api/v1/search", params={"query": f"tag:{self.tag}"}, timeout=10)
        response.raise_for_status()

    def deliver_pending(self):
        from app.mail.delivery import deliver_all

        with self.app.app_context():
            result = deliver_all()
        assert not result.unavailable, "Mailpit is not answering on SMTP: run `make services`"

    def messages(self):
        self.deliver_pending()
        found = requests.get(f"{self.base_url}/api/v1/search", params={"query": f"tag:{self.tag}", "limit": 1000},
                             timeout=10)
        found.raise_for_status()
        mails = []
        for summary in reversed(found.json()["messages"]):  # Mailpit lists newest first
            full = requests.get(f"{self.base_url}/api/v1/message/{summary['ID']}", timeout=10)
            full.raise_for_status()
            message = full.json()
            mails.append(Mail(to=", ".join(a["Address"] for a in message["To"]), subject=message["Subject"],
                              body=message["Text"], id=summary["ID"], base_url=self.base_url))
        return mails

    def to(self, address):
        return [mail for mail in self.messages() if mail.to == address]

    def __iter__(self):
        return iter(self.messages())

    def __len__(self):
        return len(self.messages())

    def __getitem__(self, index):
        return self.messages()[index]

    def __eq__(self, other):
        return self.messages() == list(other)

    __hash__ = None
