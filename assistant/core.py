"""The one object that answers: ``Assistant.load(index_dir).ask(question) -> Answer``.

The CLI, the Gradio app and the eval runner call this and nothing deeper.
"""

from __future__ import annotations

import re
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

from . import handlers, overview, route
from .answer import (
    ABSTAIN_TEXT,
    ABSTAIN_TEXT_EN,
    FIGURE,
    Answer,
    Citation,
    Passage,
    Sentence,
    asked_unit,
    compose,
    coverage,
    gives_amount,
    is_english,
    query_weights,
)
from .chunking import Chunk, sentences
from .duties import states_duties
from .embed import EmbedderError, Encoder, load_encoder
from .facts import BACKGROUND, Duty, Target
from .formatting import answer_text, body, joined, located, renumber, unstated_line, whose
from .glossary import expand
from .indicators import IndicatorIndex
from .lexicon import ScopedLexicon
from .meta import Plan
from .ocr import source_facts
from .parse import SEP, TOC_WORDS, OutlineEntry
from .places import find_places
from .scope import Scope, plan_places, related, scope_of, unindexed_text
from .search import fuse, normalise, resolve_plans, tokenize, top_k
from .settings import MAX_QUESTION_CHARS, Settings
from .store import load_files, read_manifest, search_params
from .text import flat as _flat
from .verify import (
    COLLOQUIAL,
    FACILITY_WORD,
    absent_terms,
    asked_measures,
    asked_years,
    named_facilities,
    names_in,
    plan_end_year,
    states_measure,
    states_year,
    topic_terms,
    used,
    writes,
)

YEAR_LEAD_CHARS = 160  # how far before a claim its year may be stated ("到2025年，" opening a paragraph)
MIN_HEADING_COVER = 0.6  # share of the topic's weight a heading must hold to answer "哪一章讲X" by itself
MIN_FACILITY_CHARS = 4  # shorter than this once the plan's place is dropped, a name is a bare word (医院)
MIN_NOTE_COVER = 0.5  # share of the topic's weight a duty note's own task must hold for the note to be quoted


class QuestionError(ValueError):
    """The question cannot be answered as asked (empty, too long, unknown plan)."""


class Assistant:
    """A loaded index plus the encoder that built it."""

    def __init__(self, settings: Settings, manifest, chunks, vectors, bm25, terms, texts, facts, encoder: Encoder):
        self.settings = settings
        self.manifest = manifest
        self.plans: list[Plan] = list(manifest.plans)
        self._plan = {p.id: p for p in self.plans}
        self._places = plan_places(self.plans)
        self._flat_texts = {pid: _flat(t) for pid, t in texts.items()}
        self.chunks: list[Chunk] = chunks
        self.texts: dict[str, str] = texts
        self._vectors = vectors
        self._encoder = encoder
        rows: dict[str, list[int]] = {pid: [] for pid in self._plan}
        for i, c in enumerate(chunks):
            rows[c.plan].append(i)
        self._plan_rows = {pid: np.array(r, dtype=np.int64) for pid, r in rows.items()}
        self._by_plan: dict[str, list[Chunk]] = {pid: [chunks[i] for i in r] for pid, r in rows.items()}
        self._query_cache: dict[str, np.ndarray] = {}
        self.targets: list[Target] = facts["targets"]
        self._indicators = IndicatorIndex(self.targets)
        self.duties: list[Duty] = facts["duties"]
        self._duties_of: dict[str, list[Duty]] = {pid: [] for pid in self._plan}
        for d in self.duties:
            self._duties_of.setdefault(d.plan, []).append(d)
        self._outline: dict[str, list[OutlineEntry]] = {}
        for e in facts.get("outline", ()):
            self._outline.setdefault(e.plan, []).append(e)
        self._lexicon = ScopedLexicon([c.search_text(self._plan[c.plan].title) for c in chunks],
                                      [c.plan for c in chunks], bm25, terms["df"], int(terms["docs"]),
                                      {pid: [e.title for e in es] for pid, es in self._outline.items()})
        self._worded: dict[str, bool] = {}  # plan → does it word any duty (read once, when first asked)

    @classmethod
    def load(cls, index_dir: str | Path | None = None, settings: Settings | None = None,
             encoder: Encoder | None = None) -> Assistant:
        """Open an index folder; refuse it when the configured embedder differs from its builder."""
        settings = settings or Settings()
        if index_dir is not None:
            settings = Settings(**{**settings.__dict__, "index_dir": Path(index_dir)})
        manifest = read_manifest(settings.index_dir)
        wanted = encoder.name if encoder else settings.embedder
        if wanted and wanted != manifest.embedder:
            raise EmbedderError(
                f"index {settings.index_dir} was built with embedder {manifest.embedder!r}, not {wanted!r}; "
                f"search it with --embedder {manifest.embedder} or rebuild it with assistant build --embedder {wanted}"
            )
        files = load_files(settings.index_dir, manifest)
        encoder = encoder or load_encoder(manifest.embedder)
        if encoder.dim != manifest.dim:
            raise EmbedderError(f"embedder {encoder.name!r} gives {encoder.dim}-d vectors, index has {manifest.dim}-d")
        assistant = cls(settings, manifest, *files, encoder)
        encoder.encode(["预热 warm-up"], query=True)  # one-off setup costs belong to loading,
        tokenize("预热")  # not to the user's first question (jieba loads its dictionary here)
        for plan in assistant.plans:
            plan.short_names  # noqa: B018 (computed once: pinyin of every jurisdiction)
        return assistant

    # -- retrieval -------------------------------------------------------------------------

    def _embed_query(self, question: str) -> np.ndarray:
        vec = self._query_cache.get(question)
        if vec is None:
            vec = self._encoder.encode([question], query=True)[0]
            if len(self._query_cache) > 1024:
                self._query_cache.clear()
            self._query_cache[question] = vec
        return vec

    def _allowed(self, plan_ids: list[str]) -> np.ndarray | None:
        if not plan_ids:
            return None
        mask = np.zeros(len(self.chunks), dtype=bool)
        for pid in plan_ids:
            mask[self._plan_rows[pid]] = True
        return mask

    def add_plan(self, path: str | Path, on_page=None) -> Assistant:
        """Add (or replace) one plan file in this index and return the reloaded assistant.

        ``on_page(file name, pages done, pages to recognise)`` reports OCR progress of a scanned plan."""
        from .build import add_files

        add_files(self.settings, [Path(path)], encoder=self._encoder, log=lambda m: None, on_page=on_page)
        return Assistant.load(settings=self.settings, encoder=self._encoder)

    def retrieve(self, question: str, plan_ids: list[str], k: int, mode: str = "hybrid",
                 timings: dict | None = None) -> list:
        """Ranked hits for a question within the given plans (all plans when empty)."""

        timings = timings if timings is not None else {}
        allowed = self._allowed(plan_ids)
        n = self.settings.candidates
        bm25_rows: list[int] = []
        dense_rows: list[int] = []
        if mode in ("hybrid", "bm25"):
            t = time.perf_counter()
            lex = self._lexicon(plan_ids)  # the scope's own statistics: other plans do not reorder these
            q = [tok for tok in tokenize(question) if tok in lex.bm25.vocab_dict]
            if q:
                scores = lex.bm25.get_scores(q)
                mask = allowed if len(lex.rows) == len(self.chunks) else None
                bm25_rows = [int(lex.rows[r]) for r in top_k(scores, mask, n) if scores[r] > 0]
            timings["bm25_ms"] = (time.perf_counter() - t) * 1000
        if mode in ("hybrid", "dense"):
            t = time.perf_counter()
            qv = self._embed_query(question)
            timings["embed_ms"] = (time.perf_counter() - t) * 1000
            t = time.perf_counter()
            params = search_params(self._vectors, np.flatnonzero(allowed) if allowed is not None else None)
            _, idx = self._vectors.search(qv[None, :].astype(np.float32), min(n, len(self.chunks)), params=params)
            dense_rows = [int(i) for i in idx[0] if i >= 0]
            timings["faiss_ms"] = (time.perf_counter() - t) * 1000
        return fuse(bm25_rows, dense_rows, k)

    def _weights(self, tokens: list[str], plan_ids: list[str]) -> dict[str, float]:
        """idf weights of question tokens over the plans in scope (see assistant/lexicon.py)."""
        df, docs = self._lexicon.weights_df(plan_ids)
        return query_weights(tokens, df, docs)

    def _subject_weights(self, about: str, plan_ids: list[str]) -> dict[str, float]:
        """Weights of the words that say what a section or task is about: words every plan in scope has in
        its title ("健康张店意见里", "卫生健康规划中") name the plan, not the subject."""
        titles = [_flat(self._plan[p].title) for p in plan_ids or self._plan]
        weights = self._weights(self._topic_tokens(about, plan_ids), plan_ids)
        return {t: w for t, w in weights.items() if not all(_flat(t) in title for title in titles)}

    # -- answering -------------------------------------------------------------------------

    def check_question(self, question: str) -> str:
        """The trimmed question, or QuestionError: empty, too long, not text, or no content words."""
        from .questions import question_problem

        if question is not None and not isinstance(question, str):
            raise QuestionError(question_problem(question))
        q = (question or "").strip()
        if not q:
            raise QuestionError("问题为空 / the question is empty")
        if len(q) > MAX_QUESTION_CHARS:
            raise QuestionError(f"问题过长（{len(q)} 字），请控制在 {MAX_QUESTION_CHARS} 字以内 / "
                                f"question too long ({len(q)} characters; keep it within {MAX_QUESTION_CHARS})")
        if not tokenize(q):
            raise QuestionError("问题中没有可检索的词 / the question has no searchable words")
        problem = question_problem(q)
        if problem:
            raise QuestionError(problem)
        return q

    def scope(self, question: str, plans: list[str] | None) -> Scope:
        """Plans to search: the caller's choice, else the plans of the places the question names, else all."""
        if plans:
            try:
                return Scope(tuple(resolve_plans(list(plans), self.plans)))
            except LookupError as exc:
                raise QuestionError(str(exc)) from None
        return scope_of(question, self.plans, self._places)

    def _unindexed(self, q: str, scope: Scope) -> Answer:
        """No plan of the named place: say so, with the related plans' nearest passages."""
        near = [p.id for m in scope.missing for group in related(m, self.plans, self._places) for p in group]
        hits = self.retrieve(self._place_free(q, []), list(dict.fromkeys(near)), self.settings.top_k) if near else []
        nearby = tuple(self.citation(i + 1, self.chunks[h.row]) for i, h in enumerate(hits))
        text = unindexed_text(scope.missing, self.plans, self._places, is_english(q))
        return Answer(q, text, True, (), nearby, (), "unindexed")

    def citation(self, n: int, chunk: Chunk, highlights=()) -> Citation:
        plan = self._plan[chunk.plan]
        text = self.texts[chunk.plan]
        return Citation(n, plan.doc, plan.id, plan.title, SEP.join(chunk.section), text[chunk.start:chunk.end],
                        chunk.start, chunk.end, chunk.id, tuple(highlights), **source_facts(plan, chunk.start, chunk.end))

    def ask(self, question: str, plans: list[str] | None = None, mode: str = "full") -> Answer:
        """Answer from the plans with cited passages, or abstain and show the nearest passages.

        ``mode``: "full" (structured facts, then hybrid passages), "hybrid", "bm25" or "dense"
        (passages only; for comparisons in the eval and benchmarks).
        """
        t0 = time.perf_counter()
        timings: dict[str, float] = {}
        q = self.check_question(question)
        query = expand(route.unglue(q))
        scope = self.scope(query, plans)
        if not scope.plans and scope.missing:
            return replace(self._unindexed(q, scope), timings={"total_ms": (time.perf_counter() - t0) * 1000})
        plan_ids = list(scope.plans)
        topic = self._place_free(query, plan_ids) if plan_ids else query
        k = self.settings.top_k
        handler = handlers.handler_for(query)
        kind = handler.kind
        if kind == "compare" and len(plan_ids) != 1:
            pool = self.retrieve(topic, plan_ids, 4 * k, "hybrid" if mode == "full" else mode, timings)
            hits = route.spread(pool, [self.chunks[h.row].plan for h in pool], k)
        else:
            hits = self.retrieve(topic, plan_ids, k, "hybrid" if mode == "full" else mode, timings)
        t = time.perf_counter()
        asked = handlers.Asked(q, query, tuple(plan_ids), tuple(hits))
        reply = handler.answer(self, asked) if mode == "full" else None
        if mode == "full" and route.LOCATE_Q.search(query) and not (reply and reply.abstained):
            reply = self._by_heading(query, plan_ids) or reply
        if mode == "full" and (kind in ("duty", "passage") or reply is None):
            missing = self._absent(route.unglue(q), plan_ids)  # the user's words, not glossary additions
            if missing:
                reply = route.Reply(kind, (f"所选规划中未出现“{'”“'.join(missing[:3])}”的相关表述。",), (),
                                    abstained=True)
        ends = {plan_end_year(self._plan[p].title) for p in plan_ids}
        years = asked_years(topic, ends.pop() if len(ends) == 1 else None) if kind != "meta" else ()
        if reply and years and reply.kind in ("target", "compare") and not reply.abstained:
            reply = self._years_stated(reply, years)
        timings["route_ms"] = (time.perf_counter() - t) * 1000
        t = time.perf_counter()
        answer = self._prose_of_year(q, query, reply, hits, plan_ids, years)
        if answer is not None:
            pass  # no record of the asked year, and a passage states it
        elif mode == "full" and reply is None and overview.is_overview(q):  # a broad topic: its sections per plan
            answer = overview.answer(self, q, query, plan_ids, hits)
        elif reply:
            answer = self._from_reply(q, query, reply, hits, plan_ids, years)
        else:
            answer = self._from_passages(q, query, hits, plan_ids, years, duty=kind == "duty")
        answer = self._every_question_answered(answer, plan_ids)
        if scope.missing:  # a place named beside those with plans ("福山区和芝罘区…") is said to have none
            note = "；".join(f"规划库中没有{m.text}的规划" for m in scope.missing)
            answer = replace(answer, text=f"注：{note}。\n{answer.text}")
        timings["answer_ms"] = (time.perf_counter() - t) * 1000
        timings["total_ms"] = (time.perf_counter() - t0) * 1000
        return replace(answer, timings=timings)

    def _states_duties(self, plan_id: str) -> bool:
        """A plan we read no duty from may still word them: then "未列明" would be our failure, not a fact."""
        if plan_id not in self._worded:
            self._worded[plan_id] = states_duties(self.texts[plan_id])
        return self._worded[plan_id]

    def _by_heading(self, query: str, plan_ids: list[str]) -> route.Reply | None:
        """"哪一章/哪一节讲X" answered from the outline: the section whose own heading covers the topic,
        quoted from its opening in the body; only a section the body lacks (a file with the 目录 and part
        of the body) is answered from its 目录 line, with the chapter path the 目录 gives."""
        about = route.LOCATE_Q.sub(" ", query)  # "哪一节", "在哪里讲" say what is asked, not the topic
        weights = self._subject_weights(about, plan_ids)
        total = sum(weights.values())
        if not total:
            return None
        best, best_rank, entry = None, (MIN_HEADING_COVER, 0, 0), None
        for pid in plan_ids or self._plan:
            for e in self._outline.get(pid, ()):  # a body heading of equal cover outranks its 目录 line
                cover = sum(w for t, w in weights.items() if _flat(t) in _flat(e.title)) / total
                if (cover, 0, 0) > best_rank:
                    best, best_rank, entry = None, (cover, 0, 0), e
            size: dict[tuple, int] = {}
            first: dict[tuple, Chunk] = {}
            for c in self._by_plan[pid]:
                for depth in range(1, len(c.section) + 1):  # every heading of the path: 第六节, then 一、…
                    section = c.section[:depth]
                    size[section] = size.get(section, 0) + c.end - c.start
                    first.setdefault(section, c)
            for section, c in first.items():
                head = _flat(section[-1])
                cover = sum(w for t, w in weights.items() if _flat(t) in head) / total
                if (cover, 1, size[section]) > best_rank:
                    best, best_rank, where, entry = c, (cover, 1, size[section]), section, None
        if entry is not None:
            line = f"所在部分：《{self._plan[entry.plan].title}》{SEP.join(entry.path)}（据规划目录）[1]"
            span = route.Span(entry.plan, entry.start, entry.end, (entry.start, entry.end), (TOC_WORDS[0],))
            return route.Reply("locate", (line,), (span,))
        if best is None:
            return None
        title = self._plan[best.plan].title
        line = f"所在部分：《{title}》{SEP.join(where)}[1]"
        return route.Reply("locate", (line,), (route.Span(best.plan, best.start, best.end, (best.start, best.end)),))

    def _absent(self, query: str, plan_ids: list[str]) -> list[str]:
        """Distinctive question terms that none of the plans in scope uses (topic presence)."""
        texts = [self._flat_texts[p] for p in (plan_ids or self._plan)]
        return absent_terms(self._place_free(query, plan_ids), texts, route.DUTY_WORDS)

    def _on_topic(self, picked, hits, query: str, plan_ids: list[str]):
        """Passage sentences whose passage (section path and chunk text) uses every topic word of the
        question: 湖田卫生院 is not answered by another 卫生院's sentence."""
        terms = topic_terms(self._place_free(query, plan_ids), route.DUTY_WORDS)
        facilities = named_facilities(query)  # 鱼台县中医院 is not 鱼台县人民医院
        if not picked:
            return picked
        weights = {t: w for t, w in self._weights(self._topic_tokens(query, plan_ids), plan_ids).items()
                   if t not in route.DUTY_WORDS and t not in COLLOQUIAL}
        keep = []
        for rank, sent in picked:
            c = self.chunks[hits[rank].row]
            where = _flat(SEP.join(c.section) + self.texts[c.plan][c.start:c.end])
            note = next((d for d in self._duties_of.get(c.plan, ()) if sent.start <= d.start < sent.end), None)
            if note:  # a duty note answers for its own task only, not for a neighbour task in the same chunk
                start = route.task_start(note, self._by_plan, route.note_span(note, self._by_plan))
                where = _flat(SEP.join(note.section) + self.texts[c.plan][start:note.end])
                if coverage(weights, where, "") < MIN_NOTE_COVER:  # 无偿献血 is named by a verb, not a noun
                    continue
            if all(used(t, where) for t in terms) and self._names_all(facilities, where, plan_ids):
                keep.append((rank, sent))
        return keep

    def _every_question_answered(self, answer: Answer, plan_ids: list[str]) -> Answer:
        """"A要达到多少？B建成多少个？": each question must be answered. One the answer names nothing of is
        asked on its own (a question crowded out by the first may be answered then, with the whole
        question's year when it names none); one still unanswered is said so, and the answer counts as an
        abstention (its lines still shown)."""
        questions = [s.strip() for s in re.split(r"[？?]", answer.question) if s.strip()]
        if len(questions) < 2:
            return answer
        terms = {s: topic_terms(self._place_free(s, plan_ids), route.DUTY_WORDS) for s in questions}
        if answer.abstained and not all(terms.values()):
            return answer  # "…？2025年呢？" leans on the question before it: not asked alone
        said = "" if answer.abstained else _said(answer)

        def answers(s: str, text: str) -> bool:  # "多少家" is not answered by a rate beside a shared word (企业)
            unit = asked_unit(s)
            return any(used(t, text) for t in terms[s]) and (not unit or gives_amount(text, unit))

        unanswered = [s for s in questions if terms[s] and not answers(s, said)]
        years = asked_years(answer.question)
        answered = None if answer.abstained else answer
        for s in list(unanswered):
            alone = s if asked_years(s) or not years else "".join(f"{y}年" for y in years) + s
            part = self.ask(alone, plan_ids or None)
            if not part.abstained and answers(s, _said(part)):
                answered = joined(answered, part) if answered else replace(part, question=answer.question)
                unanswered.remove(s)
        if answered is None:
            return answer
        if not unanswered:
            return answered
        note = "；".join(f"未找到对“{s}”的回答" for s in unanswered) + "。以下为规划写明的部分："
        return replace(answered, text=f"{note}\n{answered.text}", abstained=True)

    def _names_all(self, facilities: list[str], where: str, plan_ids: list[str]) -> bool:
        """Every named facility is written in the text: whole (济宁市老年病医院, short insertions allowed), or
        without the plan's own place when that leaves a name written as such (张店区中医院 → 区中医院); the
        plan's place before a bare facility word (济宁医院) names no particular facility."""
        def named(f: str) -> bool:
            rest = re.sub(r"\s", "", self._place_free(f, plan_ids))
            return names_in(f, where) or (rest != f and (len(rest) < MIN_FACILITY_CHARS or names_in(rest, where)))
        return all(named(f) for f in facilities)

    def _amount_named(self, q: str, query: str, picked, hits, plan_ids: list[str]):
        """An amount answers only if its own sentence, the one before it or its section names what the
        amount is for (每个村卫生室每年补助1万元 does not answer 社区卫生服务站); with several questions in
        one, the one that asks the amount."""
        asks = next((part for part in re.split(r"[？?；;]", query) if asked_unit(part)), query)
        terms = topic_terms(self._place_free(asks, plan_ids), route.DUTY_WORDS)
        keep = []
        for rank, s in picked:
            c = self.chunks[hits[rank].row]
            before = [t for t, a, b in sentences(c) if b <= s.start]
            lead = before[-1] if before and not FACILITY_WORD.search(s.text) else ""  # 每个村卫生室… names its own
            where = _flat(SEP.join(c.section) + lead + s.text)
            if all(writes(t, where) for t in terms):  # a name written whole: 服务站 is not 服务
                keep.append((rank, s))
        return keep

    def _prose_of_year(self, q: str, query: str, reply, hits, plan_ids, years) -> Answer | None:
        """No record of the asked year: a passage may still state it ("2020年，全州…为19.6%"), if passages
        state every asked year; table rows are the records just checked."""
        if not (reply and reply.abstained and years and reply.kind in ("target", "compare")):
            return None
        prose = [h for h in hits if self.chunks[h.row].kind != "row"]
        answer = self._from_passages(q, query, prose, plan_ids, years, every_year=True)
        return None if answer.abstained else answer

    def _context(self, plan: str, start: int, end: int) -> str:
        """What a claim's year is read from: its own text, the section path, and the lead-in before it
        in its chunk ("到2025年，" opening the paragraph; a table's header above its row)."""
        home = next((c for c in self._by_plan.get(plan, ()) if c.start <= start < c.end), None)
        lead = self.texts[plan][max(home.start, start - YEAR_LEAD_CHARS) if home else start:end]
        return (SEP.join(home.section) if home else "") + " " + lead

    def _years_stated(self, reply: route.Reply, years: tuple[int, ...]) -> route.Reply:
        """Keep the lines whose cited text states an asked year; if some asked year is stated nowhere,
        say so (and show what the plan does state, marked as not the answer)."""
        carried = [{y for y in years if self._of_year(sp.plan, line, sp.start, sp.mark[1], y)}
                   for line, sp in zip(reply.lines, reply.spans)]
        keep = [i for i, c in enumerate(carried) if c]
        unmet = [y for y in years if not any(y in c for c in carried)]
        if not unmet:
            return route.Reply(reply.kind, renumber([reply.lines[i] for i in keep]),
                               tuple(reply.spans[i] for i in keep))
        said = "、".join(f"{y}年" for y in unmet)
        note = f"规划未给出{said}的相应目标或数值。" + ("规划给出的是（不是所问年份）：" if not keep else "")
        lines = [reply.lines[i] for i in keep] if keep else list(reply.lines)
        spans = tuple(reply.spans[i] for i in keep) if keep else reply.spans
        return route.Reply(reply.kind, (note, *renumber(lines)), spans, abstained=True)

    def _with_years(self, picked, hits, years: tuple[int, ...], own_period: bool = True, every_year: bool = False):
        """Passage sentences that state an asked year (in the sentence, its section or lead-in); with
        ``own_period``, also a figure of the plan's own period (see ``_of_year``); with ``every_year``,
        none unless each asked year is stated."""
        if not years or not picked:
            return picked
        out, seen = [], set()
        for rank, sent in picked:
            c = self.chunks[hits[rank].row]
            of = {y for y in years if self._of_year(c.plan, sent.text, sent.start, sent.end, y, own_period)}
            if of:
                out.append((rank, sent))
                seen |= of
        return [] if every_year and seen != set(years) else out

    def _of_year(self, plan: str, said: str, start: int, end: int, year: int, own_period: bool = True) -> bool:
        """A claim is of the asked year if it or its lead-in states that year, or if the year is the end of
        the plan's own period (十四五 → 2025) and the claim gives a figure and no other year, outside a
        review section: a 十四五 plan's "争创5个专科" is its 2025 aim; likewise a figure in its review section
        (发展基础, 回顾) is of the period before (十三五 → 2020)."""
        own = re.sub(r"\[\d+\]|《[^》]*》", "", said)  # the claim itself, without its plan's title
        stated = claim_years(own)
        if stated:  # "到2022年，…22%" is of 2022 though "到2025年" follows in the same paragraph
            return year in stated
        if states_year(said + self._context(plan, start, end), year):
            return True
        if not own_period:
            return False
        home = next((c for c in self._by_plan.get(plan, ()) if c.start <= start < c.end), None)
        section = SEP.join(home.section) if home else ""
        end = plan_end_year(self._plan[plan].title)
        if not end or not FIGURE.search(own):
            return False
        review = bool(BACKGROUND.search(section))  # 发展基础/回顾: what the previous period achieved
        return (year == end and not review) or (year == end - 5 and review)

    def _sentence_of(self, t: Target) -> tuple[str, int, int]:
        """The whole plan sentence around a prose target, as clean text and raw offsets."""
        number = next(iter(re.findall(r"\d+(?:\.\d+)?", t.value)), "")
        for c in self._by_plan.get(t.plan, ()):
            if c.kind == "para" and c.start <= t.start < c.end:
                spans = [(s, a, b) for s, a, b in sentences(c) if a < t.end and t.start < b]
                # the sentence that gives the figure ("…全覆盖；全区妇女常见病筛查率超过85%。": the second)
                said = [x for x in spans if number in _flat(x[0]) and _flat(t.indicator)[-3:] in _flat(x[0])]
                if said or spans:
                    return (said or spans)[0]
        return " ".join(self.texts[t.plan][t.start:t.end].split()), t.start, t.end

    def _span_citation(self, n: int, span: route.Span) -> Citation:
        plan = self._plan[span.plan]
        home = next((c for c in self._by_plan.get(span.plan, ()) if c.start <= span.mark[0] < c.end), None)
        section = SEP.join(span.section) if span.section else SEP.join(home.section) if home else ""
        return Citation(n, plan.doc, plan.id, plan.title, section,
                        self.texts[span.plan][span.start:span.end], span.start, span.end, home.id if home else "",
                        (span.mark,), **source_facts(plan, span.start, span.end))

    def _place_free(self, text: str, plan_ids: list[str]) -> str:
        """The question without the titles and place names that chose its plans, written in any form the
        gazetteer knows ("乐山市市中区", "四川省" above it). Other places (a town, a county inside a city's
        plan) stay: they are what the question is about."""
        own = [self._places.get(pid) for pid in plan_ids or self._plan]
        for pid in plan_ids or self._plan:
            plan = self._plan[pid]
            for name in sorted((plan.title, *plan.short_names), key=len, reverse=True):
                if name:
                    text = re.sub(re.escape(name), " ", text, flags=re.I)
        for p in reversed(find_places(text)):
            if any(mine and (mine.same(p) or mine.within(p)) for mine in own):
                text = text[: p.start] + " " + text[p.end:]
        return text

    def _from_reply(self, q: str, query: str, reply: route.Reply, hits, plan_ids, years=()) -> Answer:
        """Structured lines first; for targets also the passage sentences that say more."""
        if reply.abstained:
            english = is_english(q)
            nearby = tuple(self._span_citation(i + 1, s) for i, s in enumerate(reply.spans)) or tuple(
                self.citation(i + 1, self.chunks[h.row]) for i, h in enumerate(hits))  # the closest passages
            text = (ABSTAIN_TEXT_EN if english else ABSTAIN_TEXT) + "\n" + "\n".join(reply.lines)
            return Answer(q, text, True, (), nearby, tuple(plan_ids), reply.kind)
        citations = [self._span_citation(i + 1, s) for i, s in enumerate(reply.spans)]
        number_of_hit: dict[int, int] = {}
        for rank, h in enumerate(hits):
            c = self.chunks[h.row]
            inside = next((x.n for x in citations if x.plan == c.plan and x.start <= c.start and c.end <= x.end), None)
            if inside is None and len(citations) < max(self.settings.top_k, len(reply.spans)):
                citations.append(self.citation(len(citations) + 1, c))
                inside = len(citations)
            if inside is not None:
                number_of_hit[rank] = inside
        lines = list(reply.lines)
        plans = {s.plan for s in reply.spans}
        if reply.kind in ("target", "compare", "duty"):
            picked, _ = self._pick_sentences(q, query, hits, plan_ids)
            picked = self._with_years(picked, hits, years, not is_english(q))
            if picked and reply.kind != "duty":  # a sentence beside the records gives the same measure
                picked = [(r, s) for r, s in picked if states_measure(self._place_free(query, plan_ids), s.text)]
            for rank, s in (picked or [])[: 1 if reply.kind == "duty" else None]:
                n = number_of_hit.get(rank)
                cited = any(x.highlights and x.highlights[0][0] <= s.start < x.highlights[0][1] for x in citations)
                if n is not None and not cited:
                    c = citations[n - 1]
                    # a sentence of another plan than the records' is said to be that plan's
                    prefix = f"《{c.title}》：" if reply.kind == "compare" or c.plan not in plans else ""
                    lines.append(f"{prefix}{s.text}[{n}]")
                    citations[n - 1] = replace(c, highlights=(*c.highlights, (s.start, s.end)))
                    plans.add(c.plan)
        if len(plans) > 1:  # lines of several plans: each says whose it is
            lines = [whose(line, citations) for line in lines]
        title = self._plan[next(iter(plans))].title if len(plans) == 1 else None
        if reply.kind != "locate" and route.LOCATE_Q.search(q):
            lines = located(q, lines, citations[0])
        used = sorted({int(n) for n in re.findall(r"\[(\d+)\]", "\n".join(lines))})
        text = answer_text(is_english(q), title, lines, [citations[n - 1] for n in used[:6] if n <= len(citations)])
        return Answer(q, text, False, tuple(citations), (), tuple(plan_ids), reply.kind)

    def _topic_tokens(self, query: str, plan_ids: list[str]) -> list[str]:
        """Query tokens without the place names that chose the plans (removed before segmenting, so
        "福山区" leaves no "山区" behind)."""
        names = {normalise(s) for pid in plan_ids for s in self._plan[pid].short_names}
        text = self._place_free(query, plan_ids) if plan_ids else query
        return [tok for tok in tokenize(text) if tok not in names]

    def _pick_sentences(self, q: str, query: str, hits, plan_ids, duty: bool = False):
        weights = self._weights(self._topic_tokens(query, plan_ids), plan_ids)
        passages = []
        for rank, hit in enumerate(hits):
            chunk = self.chunks[hit.row]
            heading = chunk.section[-1].replace(" ", "") if chunk.section else ""
            sents = tuple(Sentence(s, a, b, _flat(s)) for s, a, b in sentences(chunk)
                          if s.rstrip("。").replace(" ", "") != heading)
            context = _flat(SEP.join(chunk.section))
            passages.append(Passage(rank, self._plan[chunk.plan].title, sents, context))
        return compose(q, weights, passages, duty), passages

    def _from_passages(self, q: str, query: str, hits, plan_ids, years=(), duty: bool = False,
                       every_year: bool = False) -> Answer:
        """``every_year``: answer only if each asked year is stated by some sentence (a fallback after the
        records had none of them)."""
        picked, passages = self._pick_sentences(q, query, hits, plan_ids, duty)
        picked = self._with_years(picked, hits, years, not is_english(q))  # English: no measure check to lean on
        if not route.LOCATE_Q.search(query):  # "在哪一条讲X" is answered by where, paraphrase allowed
            picked = self._on_topic(picked, hits, query, plan_ids)
        topic = self._place_free(query, plan_ids)
        if picked and handlers.classify(query) in ("target", "compare"):  # the figure must be the asked measure's
            picked = [(rank, s) for rank, s in picked if states_measure(topic, s.text)]
        if picked and asked_unit(q):
            picked = self._amount_named(q, query, picked, hits, plan_ids)
        if picked and every_year:  # of the sentences that passed every check
            picked = self._with_years(picked, hits, years, not is_english(q), every_year=True)
        multi = len({self.chunks[h.row].plan for h in hits}) > 1
        english = is_english(q)
        if not picked:
            nearby = tuple(self.citation(i + 1, self.chunks[h.row]) for i, h in enumerate(hits))
            return Answer(q, ABSTAIN_TEXT_EN if english else ABSTAIN_TEXT, True, (), nearby, tuple(plan_ids))
        said = _flat("".join(s.text for _, s in picked))
        unstated = [p for p in route.parts_of(topic)
                    if not all(used(t, said) for t in topic_terms(p, route.DUTY_WORDS))
                    and not (asked_measures(p) and any(states_measure(p, s.text) for _, s in picked))]
        marks: dict[int, list] = {}
        for rank, s in picked:
            marks.setdefault(rank, []).append((s.start, s.end))
        citations = tuple(self.citation(i + 1, self.chunks[h.row], marks.get(i, ())) for i, h in enumerate(hits))
        lines = []
        for rank, s in picked:
            prefix = f"《{passages[rank].plan_title}》：" if multi else ""
            lines.append(f"{prefix}{s.text}[{rank + 1}]")
        if route.LOCATE_Q.search(q):
            lines = located(q, lines, citations[picked[0][0]])
        if unstated:  # "A和B分别是多少": a part no answer sentence names is said to be not stated
            lines = [unstated_line(unstated), *lines]
        title = None if multi else passages[picked[0][0]].plan_title
        text = answer_text(english, title, lines, [citations[r] for r in sorted({rank for rank, _ in picked})])
        return Answer(q, text, bool(unstated), citations, (), tuple(plan_ids))


def _said(answer: Answer) -> str:
    """What an answer states: its lines and the section paths of the passages they cite (a line under
    "加强急救体系建设" speaks of 急救 without writing it)."""
    text = body(answer.text)
    cited = {int(n) for n in re.findall(r"\[(\d+)\]", text)}
    return _flat(text + "".join(c.section for c in answer.citations if c.n in cited))


def claim_years(claim: str) -> tuple[int, ...]:
    """The years a claim states itself: these decide, not the paragraph around it."""
    return asked_years(claim)
