import factory

from accounts.models import User
from projects.models import Membership, Project, Role

PASSWORD = "correct horse battery staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ["username"]

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password(PASSWORD)


class ProjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Project

    name = factory.Sequence(lambda n: f"项目 {n}")
    description = "新闻实体标注"


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    project = factory.SubFactory(ProjectFactory)
    user = factory.SubFactory(UserFactory)
    role = Role.ANNOTATOR


def snippets_make(project: Project, count: int, batch=None) -> None:
    """``count`` short snippets ("第n句。") of one article in ``project``, without an import."""
    from annotation.models import Article, Snippet

    article = Article.objects.create(project=project, raw_text="x", raw_hash=f"x{count}")
    Snippet.objects.bulk_create(
        Snippet(
            project=project,
            article=article,
            batch=batch,
            position=n,
            text=f"第{n}句。",
            text_hash=str(n),
            offset_map=[0, 0],
        )
        for n in range(count)
    )


def random_spans(rng, length: int, labels) -> list[tuple[int, int, str]]:
    """Non-overlapping spans over ``length`` characters (as BIO tags can hold them), in
    order, some adjacent."""
    spans, at = [], 0
    while at < length:
        at += rng.randint(0, 4)
        size = rng.randint(1, 4)
        if at + size > length:
            break
        spans.append((at, at + size, rng.choice(labels)))
        at += size
    return spans
