from django.core.management.base import BaseCommand

from alerts import digests


class Command(BaseCommand):
    help = "Send the saved searches' e-mail digests that are due (what Celery beat runs every hour; or from cron)."

    def handle(self, *args, **options):
        report = digests.send_due()
        self.stdout.write(
            f"checked {report.checked}, sent {report.sent}, nothing new {report.empty}, failed {report.failed}"
        )
