"""/reports: what a period came to, as JSON or CSV (tickwork/reports.py)."""

from __future__ import annotations

from flask import Blueprint, Response

from tickwork import reports
from tickwork.api.context import PREFIX, SPEC, runtime
from tickwork.schemas import ReportQuery, ReportResponse

bp = Blueprint("reports", __name__, url_prefix=PREFIX)


@SPEC.route(
    bp,
    "/reports",
    "GET",
    summary="Runs, failures, durations and resources per group and schedule over whole days, "
    "against the period before; format=csv for a spreadsheet",
    query=ReportQuery,
    responses={200: (ReportResponse, "text/csv")},
)
def get_report(query: ReportQuery) -> ReportResponse | Response:
    rt = runtime()
    first, last = reports.days_of(query.from_, query.to, query.period, rt.clock.now().date())
    report = rt.store.read(lambda session: reports.build(session, first, last))
    if query.format == "json":
        return report
    name = f"tickwork-report-{first.isoformat()}-to-{last.isoformat()}.csv"
    return Response(
        reports.as_csv(report),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
