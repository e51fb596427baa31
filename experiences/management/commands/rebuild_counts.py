from jobs.commands import JobCommand
from jobs.models import Job


class Command(JobCommand):
    help = (
        "Recount the lessons per place, theme and audience behind the browsing pages "
        "(after writing content in bulk without going through the importer)."
    )
    job_kind = Job.Kind.REBUILD_COUNTS
    job_title = "manage.py rebuild_counts"
