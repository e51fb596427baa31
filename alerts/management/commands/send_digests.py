from jobs.commands import JobCommand
from jobs.models import Job


class Command(JobCommand):
    help = "Send the saved searches' e-mail digests that are due (Celery beat queues this every hour; or cron)."
    job_kind = Job.Kind.SEND_DIGESTS
    job_title = "manage.py send_digests"
