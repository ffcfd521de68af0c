# One image for every role: web (gunicorn), worker (celery) and the one-shot migrate step.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    BIAOZHU_DATA_DIR=/var/lib/biaozhu \
    BIAOZHU_STATIC_ROOT=/srv/biaozhu/staticfiles

WORKDIR /srv/biaozhu
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
RUN python -m compileall -q . \
    && DJANGO_SECRET_KEY=build python manage.py collectstatic --noinput -v0 \
    && useradd --system --home /srv/biaozhu biaozhu \
    && mkdir -p /var/lib/biaozhu && chown biaozhu /var/lib/biaozhu
USER biaozhu
EXPOSE 8000
CMD ["gunicorn", "config.wsgi", "--bind", "0.0.0.0:8000", "--workers", "4", "--worker-class", "gthread", "--threads", "4", "--keep-alive", "30", "--timeout", "60"]
