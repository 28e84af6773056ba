from collections import Counter
from typing import Any

from django.core.management.base import BaseCommand

from cms import webhooks


class Command(BaseCommand):
    help = (
        "Send the webhook deliveries that are due: new ones a publish could not send, and failed ones whose retry "
        "time has come (backoff doubles up to WEBHOOK_MAX_ATTEMPTS). Run it from cron, every minute."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        done = webhooks.deliver_due()
        for delivery in done:
            outcome = delivery.get_status_display()
            detail = f" ({delivery.last_error})" if delivery.last_error else ""
            self.stdout.write(f"{delivery.event} {delivery.wizard} → {delivery.webhook.url}: {outcome}{detail}")
        counts = Counter(delivery.status for delivery in done)
        self.stdout.write(
            f"{len(done)} due: {counts['delivered']} delivered, {counts['retrying']} to retry, "
            f"{counts['failed']} given up."
        )
