"""Public labelled corpora, read from the data home in the manner of scikit-learn's ``fetch_*``.

Each loader reads ``civicnlp.config.data_home()/<folder>`` and returns a DataFrame with at least ``text`` and
``label``. The corpora are never copied into the project. With network access a missing file can be fetched
from its pinned upstream commit (``download_if_missing=True``) and is checked against its sha256; offline, a
missing corpus raises :class:`~civicnlp.exceptions.CorpusNotFoundError` naming the setting to fix.

- ``load_nsmc()``: ``id``, ``text``, ``label`` ("negative"/"positive").
- ``load_petitions()``: ``petition_idx``, ``title``, ``content``, ``text`` (title + body), ``label`` (17
  policy areas), ``begin`` (``YYYY-MM``), ``begin_date``, ``num_agree``, ``status``.
- ``load_ynat(split)``: ``id``, ``text`` (headline), ``label`` (7 news sections).
- ``load_beep(split)``: ``text``, ``label`` (none/offensive/hate), ``bias``, ``contain_gender_bias``,
  ``news_title``.
- ``load_kodoli()``: ``text``, ``label`` (sentiment NEG/NEU/POS), ``offensiveness`` (NOT/LIKELY/OFFEN),
  ``abuse``.
- ``load_kote()``: ``text``, ``label`` (derived polarity negative/neutral/positive/mixed), ``emotions``.
- ``load_kmhas()``: ``text``, ``label`` (hate/not_hate), ``kinds`` (the hate kinds, ``|``-joined).
- ``load_curse()``: ``text``, ``label`` (curse/none).
- ``load_3i4k()``: ``text``, ``label`` (fragment/statement/question/command/rhetorical_question/
  rhetorical_command/intonation_dependent).

KODOLI, KOTE, K-MHaS, curse and 3i4K are read as prepared in the shared data home (derived columns added,
held-back rows removed, see each SOURCE.md): their files have no upstream URL with the same bytes, so they are
never downloaded (``url`` is None) and ``Corpus.origin`` names the upstream commit they come from.
"""

from __future__ import annotations

import csv
import hashlib
import os
import tempfile
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from civicnlp import config
from civicnlp.exceptions import CorpusNotFoundError, ParameterError
from civicnlp.io import file_sha256

__all__ = [
    "CORPORA",
    "INTENTS",
    "PETITION_CATEGORIES",
    "Corpus",
    "CorpusFile",
    "corpus_path",
    "corpus_sha256",
    "load_3i4k",
    "load_beep",
    "load_curse",
    "load_kmhas",
    "load_kodoli",
    "load_kote",
    "load_nsmc",
    "load_petitions",
    "load_ynat",
]


@dataclass(frozen=True)
class CorpusFile:
    """One file of a corpus: its path inside the corpus folder, pinned upstream URL and sha256."""

    path: str
    url: str | None
    sha256: str


@dataclass(frozen=True)
class Corpus:
    """A registry entry: where a corpus lives in the data home, what it holds and under which licence."""

    name: str
    folder: str
    description: str
    licence: str
    files: tuple[CorpusFile, ...]
    origin: str = ""


_GH = "https://raw.githubusercontent.com"
_NSMC = f"{_GH}/e9t/nsmc/cc0670e872d4ac27bfe36c87456783004b39ef6c"
_PETITIONS = f"{_GH}/lovit/petitions_archive/03dc3f3d69e03a0a4885350c6991e328fc0a6b81"
_YNAT = f"{_GH}/lush93gh/korean_news_topic_classification/ca3c17f899426aac696fdd89e4516698bd2fb08e"
_BEEP = f"{_GH}/kocohub/korean-hate-speech/f8d05dce2b22007bb149e5139c0060c68ad8f94b"

#: Every corpus civicnlp knows, by name.
CORPORA: dict[str, Corpus] = {
    "nsmc": Corpus(
        "nsmc",
        "nsmc",
        "Naver Sentiment Movie Corpus v1.0, train split (binary sentiment of movie reviews)",
        "CC0 1.0 (Lucy Park)",
        (
            CorpusFile(
                "ratings_train.txt",
                f"{_NSMC}/ratings_train.txt",
                "e03b7d14e9e41be8d464a28057cd25d7396c53e67aa7fd5f7e552c59b0ee2940",
            ),
        ),
    ),
    "petitions": Corpus(
        "petitions",
        "petitions",
        "Blue House national petitions archive, 5 months (17 policy-area categories)",
        "CC0 1.0 (corpus, per Korpora); site content KOGL type 1 (attribution)",
        tuple(
            CorpusFile(f"petitions_{month}.jsonl", f"{_PETITIONS}/petitions_{month}", sha)
            for month, sha in (
                ("2017-08", "13f09d466b6a8f5732bf5609f0799701dc397c5740d75275b5977bd9930c4729"),
                ("2019-04", "6db47ca63b0f46731ec22a2043aa55bd2928efd620bf9cc8c52726f7962b2fc0"),
                ("2019-05", "624dadd3d1f8b5ed9065e7b539095990dcb1babe40fb6b9d45f3feb025f8b5a6"),
                ("2019-06", "28886a963d2fabdad0e90ec2d64adf42dc0668389250fb6a4969fad968240282"),
                ("2019-07", "bc15c72d2e0e15ff0b05488127841a110784168149ef17f578622c9103771e12"),
            )
        ),
    ),
    "ynat": Corpus(
        "ynat",
        "ynat",
        "YNAT news-headline topics (unofficial re-split of KLUE YNAT; 7 sections)",
        "CC BY-SA 4.0 (KLUE)",
        (
            CorpusFile(
                "train.csv",
                f"{_YNAT}/train.csv",
                "c58489ea96bf28e4284e55acc30df31575138d9d75b27e7a81718dddda29959c",
            ),
            CorpusFile(
                "val.csv",
                f"{_YNAT}/val.csv",
                "ae7f322a4ef200d0b58f6147e93deb015c58335f300ee92be9ceb8744c25ebeb",
            ),
        ),
    ),
    "beep": Corpus(
        "beep",
        "korean_hate_speech",
        "BEEP! Korean toxic speech in entertainment-news comments (hate: none/offensive/hate)",
        "CC BY-SA 4.0 (Moon, Cho, Lee 2020)",
        tuple(
            CorpusFile(path, f"{_BEEP}/{path}", sha)
            for path, sha in (
                ("labeled/train.tsv", "ebebacdcd023af2c4acc8c0a37695fb6433ac04fc009feff8f222724e303a5a9"),
                ("labeled/dev.tsv", "232b615d6e359a9d31dfb8370f32e1733dc5bb3f9c5430d34d7fcc7ba4b7e8ef"),
                (
                    "news_title/train.news_title.txt",
                    "80fcb349633ddf38062c17363f18e62b3e533640c2a31ba50468963ff5db1492",
                ),
                (
                    "news_title/dev.news_title.txt",
                    "5332b771458697677396a6bae8de0f590be9b4b8718592d6e1a92b6592b5d47f",
                ),
            )
        ),
    ),
}


def _local(
    name: str, folder: str, description: str, licence: str, origin: str, path: str, sha: str
) -> Corpus:
    return Corpus(name, folder, description, licence, (CorpusFile(path, None, sha),), origin)


CORPORA.update(
    {
        "kodoli": _local(
            "kodoli",
            "kodoli",
            "KODOLI online comments, 85% part (sentiment NEG/NEU/POS; offensiveness NOT/LIKELY/OFFEN)",
            "CC BY-SA 4.0 (Park et al. 2023)",
            "github.com/cardy20/KODOLI@1f552f2205232260eb989ad6464a9c4090e2406f",
            "train.csv",
            "c8318377f821abdcd5bbc404078c828c38884bbbab2a4f155e7d75f21fe9453a",
        ),
        "kote": _local(
            "kote",
            "kote",
            "KOTE online comments, validation split (44 emotions; derived polarity)",
            "MIT (Jeon Duyoung 2022)",
            "github.com/searle-j/KOTE@cafd2c3f54a6f4b25ac74eaa02a2e76c3ef8c977",
            "val.tsv",
            "722ee11fef3a28fbdbbf7723138254b30635bfac3785cbc870370b90a75bbcfc",
        ),
        "kmhas": _local(
            "kmhas",
            "kmhas",
            "K-MHaS news comments, validation split (multi-label hate speech)",
            "CC BY-SA 4.0 (Lee et al. 2022)",
            "github.com/adlnlp/K-MHaS@ec7a7e775d650b825872f6f538fc717822cdfc1a",
            "valid.tsv",
            "780a833139136cfbbb43e60a3fe90bb2ebd8d72fa46d5a64c08ca4fed6fef871",
        ),
        "curse": _local(
            "curse",
            "curse",
            "Curse-detection-data community comments (abusive or not)",
            "MIT (2runo 2020)",
            "github.com/2runo/Curse-detection-data@ff241621e103b6f220d30de324d0d07987887308",
            "curse.tsv",
            "ec3f78d855ca3d09596595a04d36b09c09c958b4abf1572deef27ff61464d055",
        ),
        "3i4k": _local(
            "3i4k",
            "3i4k",
            "3i4K short sentences, train + validation part (intention: statement, question, command, ...)",
            "CC BY-SA 4.0 (Cho et al. 2018)",
            "github.com/warnikchow/3i4k@cfa90c15f808becafca2d8ef8649b8b71f6bbe71",
            "train_val.tsv",
            "3d7135504adcd9c7660c131c0c00c21dc8c27ec783ca4a6c877bf4c5d6ef84fa",
        ),
    }
)

#: The 17 policy areas of the petitions corpus.
PETITION_CATEGORIES = (
    "기타",
    "육아/교육",
    "교통/건축/국토",
    "보건복지",
    "인권/성평등",
    "안전/환경",
    "정치개혁",
    "행정",
    "외교/통일/국방",
    "일자리",
    "문화/예술/체육/언론",
    "경제민주화",
    "반려동물",
    "미래",
    "농산어촌",
    "성장동력",
    "저출산/고령화대책",
)


def _corpus(name: str) -> Corpus:
    try:
        return CORPORA[name]
    except KeyError:
        raise ParameterError(f"unknown corpus {name!r}; known: {', '.join(CORPORA)}") from None


def _download(file: CorpusFile, target: Path) -> None:
    """Fetch one pinned file, check its sha256, and move it into place atomically."""
    if file.url is None:
        raise CorpusNotFoundError(
            f"{target} is missing and is not downloadable: it is prepared from its upstream release "
            f"(see the corpus' SOURCE.md); set {config.DATA_HOME_ENV} to a data home that holds it"
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, suffix=".part")
    try:
        with os.fdopen(fd, "wb") as out, urllib.request.urlopen(file.url, timeout=60) as response:
            out.write(response.read())
        got = file_sha256(tmp)
        if got != file.sha256:
            raise CorpusNotFoundError(f"{file.url} has sha256 {got}, expected {file.sha256}; not using it")
        os.replace(tmp, target)
    except OSError as exc:
        raise CorpusNotFoundError(f"could not download {file.url}: {exc}") from exc
    finally:
        Path(tmp).unlink(missing_ok=True)


def corpus_path(
    name: str,
    filename: str,
    *,
    data_home: str | os.PathLike[str] | None = None,
    download_if_missing: bool = False,
) -> Path:
    """The local path of one corpus file, fetched from its pinned URL first if asked and missing."""
    corpus = _corpus(name)
    file = next((f for f in corpus.files if f.path == filename), None)
    if file is None:
        raise ParameterError(f"corpus {name!r} has no file {filename!r}")
    folder = config.data_home(data_home) / corpus.folder
    path = folder / filename
    if path.is_file():
        return path
    if download_if_missing:
        _download(file, path)
        return path
    raise CorpusNotFoundError(
        f"corpus {name!r} not found: {path} is missing. Set {config.DATA_HOME_ENV} to the folder holding "
        f"'{corpus.folder}/'"
        + (f", or pass download_if_missing=True when online ({file.url})" if file.url else "")
    )


def corpus_sha256(name: str, *, data_home: str | os.PathLike[str] | None = None) -> str:
    """One fingerprint of every file of a corpus as it is on disk (sha256 over the files' own sha256s)."""
    corpus = _corpus(name)
    digest = hashlib.sha256()
    for file in corpus.files:
        path = corpus_path(name, file.path, data_home=data_home)
        digest.update(f"{file.path}\0{file_sha256(path)}\n".encode())
    return digest.hexdigest()


def _check_split(split: str, allowed: tuple[str, ...]) -> None:
    if split not in allowed:
        raise ParameterError(f"split must be one of {allowed}, got {split!r}")


def load_nsmc(
    *, data_home: str | os.PathLike[str] | None = None, download_if_missing: bool = False
) -> pd.DataFrame:
    """NSMC's train split (150,000 reviews): ``id``, ``text``, ``label`` in {"negative", "positive"}.

    Read with ``quoting=3`` as SOURCE.md says; the 5 empty documents become ``""``.
    """
    path = corpus_path(
        "nsmc", "ratings_train.txt", data_home=data_home, download_if_missing=download_if_missing
    )
    df = pd.read_csv(
        path, sep="\t", quoting=csv.QUOTE_NONE, dtype={"id": "int64", "document": "str", "label": "int64"}
    )
    return pd.DataFrame(
        {
            "id": df["id"],
            "text": df["document"].fillna(""),
            "label": df["label"].map({0: "negative", 1: "positive"}),
        }
    )


def load_petitions(
    *, data_home: str | os.PathLike[str] | None = None, download_if_missing: bool = False
) -> pd.DataFrame:
    """The petitions archive (all months here), one row per petition.

    ``text`` is the title and the body joined by a newline; ``begin`` is the month the petition opened
    (``YYYY-MM``, for a time split), ``begin_date`` the day.
    """
    frames = []
    for file in _corpus("petitions").files:
        path = corpus_path(
            "petitions", file.path, data_home=data_home, download_if_missing=download_if_missing
        )
        frames.append(pd.read_json(path, lines=True, dtype={"begin": "str", "end": "str"}))
    df = pd.concat(frames, ignore_index=True)
    title = df["title"].fillna("").astype("str")
    content = df["content"].fillna("").astype("str")
    begin_date = pd.to_datetime(df["begin"], format="%Y-%m-%d")
    return pd.DataFrame(
        {
            "petition_idx": df["petition_idx"],
            "title": title,
            "content": content,
            "text": (title + "\n" + content).str.strip(),
            "label": df["category"].astype("str"),
            "begin": begin_date.dt.strftime("%Y-%m"),
            "begin_date": begin_date,
            "num_agree": df["num_agree"],
            "status": df["status"],
        }
    )


def load_ynat(
    split: str = "train",
    *,
    data_home: str | os.PathLike[str] | None = None,
    download_if_missing: bool = False,
) -> pd.DataFrame:
    """YNAT headlines, ``split`` in {"train", "val"}: ``id``, ``text`` (headline), ``label`` (7 sections)."""
    _check_split(split, ("train", "val"))
    path = corpus_path("ynat", f"{split}.csv", data_home=data_home, download_if_missing=download_if_missing)
    df = pd.read_csv(path, dtype={"id": "int64", "title": "str", "topic": "str"})
    return pd.DataFrame({"id": df["id"], "text": df["title"].fillna(""), "label": df["topic"]})


def load_beep(
    split: str = "train",
    *,
    data_home: str | os.PathLike[str] | None = None,
    download_if_missing: bool = False,
) -> pd.DataFrame:
    """BEEP! comments, ``split`` in {"train", "dev"}: ``text``, ``label`` (hate: none/offensive/hate),
    ``bias`` (none/gender/others), ``contain_gender_bias`` and the ``news_title`` the comment was left on."""
    _check_split(split, ("train", "dev"))
    opts = {"data_home": data_home, "download_if_missing": download_if_missing}
    path = corpus_path("beep", f"labeled/{split}.tsv", **opts)  # type: ignore[arg-type]
    df = pd.read_csv(path, sep="\t", quoting=csv.QUOTE_NONE, dtype="str")
    titles_path = corpus_path("beep", f"news_title/{split}.news_title.txt", **opts)  # type: ignore[arg-type]
    titles = titles_path.read_text(encoding="utf-8").splitlines()
    out = pd.DataFrame(
        {
            "text": df["comments"].fillna(""),
            "label": df["hate"],
            "bias": df["bias"],
            "contain_gender_bias": df["contain_gender_bias"].map({"True": True, "False": False}),
        }
    )
    out["news_title"] = titles if len(titles) == len(out) else pd.NA
    return out


def _read_local(name: str, data_home: str | os.PathLike[str] | None, **read_csv: object) -> pd.DataFrame:
    """The one file of a locally prepared corpus, read with ``read_csv``'s options."""
    path = corpus_path(name, _corpus(name).files[0].path, data_home=data_home)
    return pd.read_csv(path, **read_csv)  # type: ignore[call-overload]


def load_kodoli(*, data_home: str | os.PathLike[str] | None = None) -> pd.DataFrame:
    """KODOLI (32,647 comments): ``text``, ``label`` (sentiment NEG/NEU/POS), ``offensiveness``
    (NOT/LIKELY/OFFEN), ``abuse`` (NON/ABS)."""
    df = _read_local("kodoli", data_home, dtype="str")
    return pd.DataFrame(
        {
            "text": df["sentences"].fillna(""),
            "label": df["sentiment"],
            "offensiveness": df["offensiveness"],
            "abuse": df["abuse"],
        }
    )


def load_kote(*, data_home: str | os.PathLike[str] | None = None) -> pd.DataFrame:
    """KOTE's validation split (5,000 comments): ``text``, ``label`` (the derived polarity: negative/neutral/
    positive/mixed, rule in SOURCE.md), ``emotions`` (the raters' emotion names, ``|``-joined)."""
    df = _read_local("kote", data_home, sep="\t", dtype="str")
    return pd.DataFrame(
        {"text": df["text"].fillna(""), "label": df["polarity"], "emotions": df["label_names"].fillna("")}
    )


def load_kmhas(*, data_home: str | os.PathLike[str] | None = None) -> pd.DataFrame:
    """K-MHaS's validation split (8,695 news comments): ``text``, ``label`` ("hate"/"not_hate"),
    ``kinds`` (the hate kinds, ``|``-joined; "not_hate_speech" for the rest)."""
    df = _read_local("kmhas", data_home, sep="\t", quoting=csv.QUOTE_NONE, dtype="str")
    return pd.DataFrame(
        {
            "text": df["document"].fillna(""),
            "label": df["is_hate"].map({"1": "hate", "0": "not_hate"}),
            "kinds": df["label_names"].str.replace(",", "|"),
        }
    )


def load_curse(*, data_home: str | os.PathLike[str] | None = None) -> pd.DataFrame:
    """Curse-detection data (5,779 community comments): ``text``, ``label`` ("curse"/"none")."""
    df = _read_local("curse", data_home, sep="\t", dtype="str")
    return pd.DataFrame(
        {"text": df["text"].fillna(""), "label": df["is_curse"].map({"1": "curse", "0": "none"})}
    )


#: 3i4K's intentions, by label id.
INTENTS = (
    "fragment",
    "statement",
    "question",
    "command",
    "rhetorical_question",
    "rhetorical_command",
    "intonation_dependent",
)


def load_3i4k(*, data_home: str | os.PathLike[str] | None = None) -> pd.DataFrame:
    """3i4K's train + validation part (54,041 short sentences): ``text``, ``label`` (an :data:`INTENTS`)."""
    df = _read_local("3i4k", data_home, sep="\t", quoting=csv.QUOTE_NONE, dtype="str")
    return pd.DataFrame(
        {"text": df["text"].fillna(""), "label": df["label"].astype(int).map(dict(enumerate(INTENTS)))}
    )
