from jobs.commands import JobCommand
from jobs.models import Job


class Command(JobCommand):
    help = "Rebuild the full-text search index of practices, recommendations and document sections."
    job_kind = Job.Kind.REBUILD_SEARCH_INDEX
    job_title = "manage.py rebuild_search_index"
