"""The firm's catalogue of services and the work each sets off."""

from __future__ import annotations

from fastapi import APIRouter
from sqlmodel import Session, col, select

from api.deps import DbSession, FirmStaff, firm_row
from api.errors import ApiError
from api.schemas import ServiceIn, ServiceOut, ServicePatch, WorkIn
from domain.models import Service, ServiceWork
from domain.queries import catalogue_work

router = APIRouter(prefix="/v1/services", tags=["catalogue"])


def service_out(session: Session, service: Service) -> ServiceOut:
    return services_out(session, [service])[0]


def services_out(session: Session, services: list[Service]) -> list[ServiceOut]:
    """The services as the API shows them, their work read in one query for all of them."""
    work = catalogue_work(session, (service.id for service in services))
    return [
        ServiceOut(
            id=service.id,
            code=service.code,
            name=service.name,
            description=service.description,
            price=service.price,
            frequency=service.frequency,
            work=[
                WorkIn(kind=item.kind, title=item.title, due=item.due)
                for item in work.get(service.id, [])
            ],
        )
        for service in services
    ]


def replace_work(session: Session, service_id: str, work: list[WorkIn]) -> None:
    # Row by row, not a bulk delete, so that the audit log sees each removal.
    for old in session.exec(select(ServiceWork).where(ServiceWork.service_id == service_id)):
        session.delete(old)
    session.flush()
    session.add_all(
        ServiceWork(service_id=service_id, position=index, **item.model_dump())
        for index, item in enumerate(work)
    )


@router.get("", response_model=list[ServiceOut])
def list_services(session: DbSession, staff: FirmStaff) -> list[ServiceOut]:
    services = session.exec(
        select(Service).where(Service.firm_id == staff.firm).order_by(col(Service.code))
    )
    return services_out(session, list(services))


@router.post("", status_code=201, response_model=ServiceOut)
def create_service(body: ServiceIn, session: DbSession, staff: FirmStaff) -> ServiceOut:
    taken = session.exec(
        select(Service).where(Service.firm_id == staff.firm, Service.code == body.code)
    ).first()
    if taken is not None:
        raise ApiError(409, "conflict", f"the catalogue already has a service {body.code}")
    service = Service(firm_id=staff.firm, **body.model_dump(exclude={"work"}))
    session.add(service)
    session.flush()
    replace_work(session, service.id, body.work)
    session.flush()
    return service_out(session, service)


@router.get("/{service_id}", response_model=ServiceOut)
def get_service(service_id: str, session: DbSession, staff: FirmStaff) -> ServiceOut:
    return service_out(session, firm_row(session, Service, staff.firm, service_id, "service"))


@router.patch("/{service_id}", response_model=ServiceOut)
def patch_service(
    service_id: str, body: ServicePatch, session: DbSession, staff: FirmStaff
) -> ServiceOut:
    service = firm_row(session, Service, staff.firm, service_id, "service")
    changes = body.model_dump(exclude_unset=True, exclude={"work"})
    for field, value in changes.items():
        if value is None:
            raise ApiError(422, "invalid_request", f"{field} cannot be null")
        setattr(service, field, value)
    if body.work is not None:
        replace_work(session, service.id, body.work)
    session.flush()
    return service_out(session, service)
