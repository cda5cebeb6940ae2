"""Schedule templates: the seed's common calendars, a starting point in the form."""

from __future__ import annotations

from tickwork.schemas import TemplateResponse

TEMPLATES: tuple[TemplateResponse, ...] = (
    TemplateResponse(
        id="weekday_hourly",
        name="Weekday hourly",
        description="Full workflow every hour from 08:00 to 23:00, Monday to Friday",
        cron_schedule="0 8-23 * * 1-5",
        workflow_type="main",
        parameters={},
    ),
    TemplateResponse(
        id="weekend_3x",
        name="Weekend three times a day",
        description="Full workflow at 09:00, 15:00 and 21:00 on Saturday and Sunday",
        cron_schedule="0 9,15,21 * * 6,0",
        workflow_type="main",
        parameters={},
    ),
    TemplateResponse(
        id="daily_evaluation",
        name="Daily evaluation",
        description="Evaluation only, every day at 07:00",
        cron_schedule="0 7 * * *",
        workflow_type="evaluate",
        parameters={},
    ),
    TemplateResponse(
        id="weekly_cleanup",
        name="Weekly cleanup",
        description="Main workflow with purging on, Sundays at 02:00",
        cron_schedule="0 2 * * 0",
        workflow_type="main",
        parameters={"no_purge": False, "no_applications": True},
    ),
)
