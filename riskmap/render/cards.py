"""两卡 as a printable PDF: per geohazard site an A4 防灾工作明白卡, per threatened household an A5
防灾避险明白卡 (two per A4 sheet, with a cut line).

Page order: every site's 工作明白卡 (one A4 page each, by site id), then the 避险明白卡 of all the
township's households, site by site, two to a page — so the file has sites + ⌈households ÷ 2⌉ pages.
Fields follow the national templates; what the registry holds is printed, what it lacks is a
ruled line to write on (never "None"). Each card carries a QR code (segno) holding the site id, for
the inspection page. The CJK font is the PDF packet's subset (``packet_font``), embedded.
"""

from __future__ import annotations

import io
from functools import lru_cache

import segno
from fpdf import FPDF

from layers.access import LOCAL_OPERATOR, Actor
from layers.access.guard import audit_export, check_export
from riskmap.render.fonts import packet_font
from riskmodel.cards import CardSet, Household, SiteCard
from riskmodel.rules import CARD_LAYERS

__all__ = [
    "FONT_FAMILY",
    "HOUSEHOLD_CARD_TITLE",
    "WORK_CARD_TITLE",
    "cards_for",
    "mask_name",
    "mask_phone",
    "render_cards",
]

FONT_FAMILY = "NotoSansCJK"
WORK_CARD_TITLE = "地质灾害防灾工作明白卡"
HOUSEHOLD_CARD_TITLE = "地质灾害防灾避险明白卡"
_GREY = (236, 236, 236)
_PAD = 1.2
_LINE = 4.2


def mask_name(v: str | None) -> str | None:
    """Personal-data mask for names: the surname and 某某 (``张三丰`` → ``张某某``)."""
    return None if not v else v[0] + "某某"


def mask_phone(v: str | None) -> str | None:
    """``13612344123`` → ``136****4123``; shorter numbers keep only their last 2 digits."""
    if not v:
        return None
    s = str(v)
    return s[:3] + "****" + s[-4:] if len(s) >= 8 else "*" * max(0, len(s) - 2) + s[-2:]


@lru_cache(maxsize=4096)
def _qr_png(text: str) -> bytes:
    buf = io.BytesIO()
    segno.make(text, error="m").save(buf, kind="png", scale=4, border=2)
    return buf.getvalue()


def _txt(v) -> str:
    """Registry value as printed text; empty → ''."""
    if v is None:
        return ""
    if isinstance(v, float):
        return f"{v:g}" if v == v else ""
    return str(v)


class _Cards(FPDF):
    def __init__(self, chars: set[str]):
        super().__init__(orientation="P", unit="mm", format="A4")
        self.add_font(FONT_FAMILY, fname=str(packet_font(chars)))
        for font in self.fonts.values():  # as in the packet: keep the subset's boxes (faster save)
            ttfont = getattr(font, "ttfont", None)
            if ttfont is not None:
                ttfont.recalcBBoxes = False
        self.set_auto_page_break(False)
        self.set_margins(12, 10, 12)
        self._widths: dict[tuple[float, str], float] = {}
        self._wraps: dict[tuple[float, str, float], list[str]] = {}
        self._rules: list[tuple[float, float, float]] = []  # ruled blanks, drawn in grey once per card
        self._fill: tuple[int, int, int] | None = None

    def width_of(self, text: str) -> float:
        total = 0.0
        for ch in text:
            key = (self.font_size_pt, ch)
            if key not in self._widths:
                self._widths[key] = self.get_string_width(ch)
            total += self._widths[key]
        return total

    def fill(self, rgb: tuple[int, int, int]) -> None:
        if rgb != self._fill:
            self.set_fill_color(*rgb)
            self._fill = rgb

    def wrap(self, text: str, width: float) -> list[str]:
        key = (self.font_size_pt, text, round(width, 2))
        if key not in self._wraps:
            self._wraps[key] = self._wrap(text, width)
        return self._wraps[key]

    def _wrap(self, text: str, width: float) -> list[str]:
        if not text:
            return [""]
        lines, cur, used = [], "", 0.0
        for ch in text:
            w = self.width_of(ch)
            if cur and used + w > width:
                lines.append(cur)
                cur, used = "", 0.0
            cur, used = cur + ch, used + w
        return [*lines, cur]

    def row(self, x: float, y: float, cells: list[tuple[str, str | None, float]], lines: int = 1) -> float:
        """One table row of (label, value, width) pairs; a None/'' value is a ruled blank. Returns the next y."""
        h = lines * _LINE + 2 * _PAD
        for label, value, w in cells:
            lw = min(w * 0.42, max(14.0, self.width_of(label) + 2 * _PAD + 0.5)) if label else 0.0
            if label:
                self.fill(_GREY)
                self.rect(x, y, lw, h, style="DF")
                for k, part in enumerate(self.wrap(label, lw - 2 * _PAD)[:lines]):
                    self.text(x + _PAD, y + _PAD + 3.1 + k * _LINE, part)
            self.rect(x + lw, y, w - lw, h)
            room = w - lw - 2 * _PAD
            text = value or ""
            parts = self.wrap(text, room) if text else []
            if len(parts) > lines:
                parts = parts[:lines]
                parts[-1] = parts[-1][:-1] + "…"
            for k, part in enumerate(parts):
                self.text(x + lw + _PAD, y + _PAD + 3.1 + k * _LINE, part)
            for k in range(len(parts), lines):  # ruled lines to write on
                self._rules.append((x + lw + _PAD, y + _PAD + 3.6 + k * _LINE, x + w - _PAD))
            x += w
        return y + h

    def draw_rules(self) -> None:
        """The ruled blanks of the card just drawn, in grey (one colour change per card)."""
        self.set_draw_color(150, 150, 150)
        for x0, y, x1 in self._rules:
            self.line(x0, y, x1, y)
        self.set_draw_color(0, 0, 0)
        self._rules.clear()

    def section(self, x: float, y: float, width: float, title: str) -> float:
        self.fill((210, 224, 240))
        self.rect(x, y, width, 5.6, style="DF")
        self.text(x + _PAD, y + 4.1, title)
        return y + 5.6

    def qr(self, site_id: str, x: float, y: float, size: float) -> None:
        self.image(io.BytesIO(_qr_png(site_id)), x=x, y=y, w=size, h=size)
        self.set_font_size(5.5)
        caption = f"巡查扫码 {site_id}"
        self.text(x + (size - self.width_of(caption)) / 2, y + size + 2.2, caption)


def _people(v) -> str | None:
    return None if v is None else f"{int(v)}" if float(v).is_integer() else f"{v}"


def _threat(site: dict) -> str:
    parts = [
        f"{_txt(site.get('threatened_households')) or '____'} 户",
        f"{_txt(site.get('threatened_people')) or '____'} 人",
        f"财产 {_txt(site.get('threatened_property_wan')) or '____'} 万元",
    ]
    return "，".join(parts)


def _place(card: SiteCard, county: str) -> str:
    s = card.site
    where = "".join(_txt(s.get(k)) for k in ("township", "village"))
    addr = _txt(s.get("address"))
    coords = f"（经度 {card.lon:.5f}，纬度 {card.lat:.5f}）" if card.lon is not None and card.lat is not None else ""
    text = addr if addr.startswith(_txt(s.get("township"))) and addr else where + (f" {addr}" if addr else "")
    return f"{county}{text}{coords}"


def _shelter(card: SiteCard) -> str | None:
    if not card.shelter_name:
        return None
    return f"{card.shelter_name}（距隐患点 {card.shelter_distance_m:,.0f} m）"


def _route(card: SiteCard) -> str | None:
    if not card.shelter_name:
        return _txt(card.site.get("evacuation_route")) or None
    own = _txt(card.site.get("evacuation_route"))
    return own or (f"向{card.shelter_direction}方向撤离至{card.shelter_name}"
                   f"（直线距离 {card.shelter_distance_m:,.0f} m；具体路线由乡镇现场核定后填写）")


def _contact(card: SiteCard, mask: bool) -> tuple[str | None, str | None]:
    name, phone = card.site.get("contact_name"), card.site.get("contact_phone")
    return (mask_name(name), mask_phone(phone)) if mask else (name, phone)


def _extra(card: SiteCard, *keys: str) -> str | None:
    """An optional field a registry file may carry beyond the kind's own (kept on import)."""
    for k in keys:
        v = _txt(card.site.get(k))
        if v:
            return v
    return None


def _header(pdf: _Cards, title: str, x: float, y: float, width: float, sample: bool) -> float:
    pdf.set_font(FONT_FAMILY, size=15)
    pdf.text(x + (width - pdf.width_of(title)) / 2, y + 7, title)
    pdf.set_font(FONT_FAMILY, size=7)
    if sample:
        pdf.set_text_color(180, 0, 0)
        pdf.text(x, y + 12, "样例数据（合成，非官方登记），仅供演示")
        pdf.set_text_color(0, 0, 0)
    return y + 15


def _work_card(pdf: _Cards, cs: CardSet, card: SiteCard, mask: bool) -> None:
    pdf.add_page()
    s, x, w = card.site, pdf.l_margin, pdf.w - pdf.l_margin - pdf.r_margin
    y = _header(pdf, WORK_CARD_TITLE, x, pdf.t_margin, w - 26, cs.sample)
    pdf.qr(str(s.get("id")), x + w - 24, pdf.t_margin, 22)
    y = max(y, pdf.t_margin + 27)
    h, q = w / 2, w / 4
    monitor, phone = _contact(card, mask)
    pdf.set_font(FONT_FAMILY, size=8.5)
    y = pdf.section(x, y, w, "一、灾害基本情况")
    y = pdf.row(x, y, [("隐患点名称", _txt(s.get("name")), h), ("编号", _txt(s.get("id")), h)])
    y = pdf.row(x, y, [("位置", _place(card, cs.county), w)], lines=2)
    y = pdf.row(x, y, [("类型", _txt(s.get("hazard_type")), q), ("规模", _txt(s.get("scale")), q),
                       ("险情等级", _txt(s.get("danger_level")), q), ("状态", _txt(s.get("status")), q)])
    y = pdf.row(x, y, [("诱发因素", _extra(card, "trigger_factors", "诱发因素"), w)])
    y = pdf.row(x, y, [("威胁对象", _threat(s), w)])
    y = pdf.section(x, y + 2, w, "二、监测预报")
    y = pdf.row(x, y, [("监测负责人", _extra(card, "monitor_chief", "监测负责人"), h),
                       ("电话", _extra(card, "monitor_chief_phone", "监测负责人电话"), h)])
    y = pdf.row(x, y, [("监测人", monitor, h), ("电话", phone, h)])
    method = _txt(s.get("monitor_level"))
    period = _extra(card, "monitor_period", "监测周期")
    y = pdf.row(x, y, [("监测方法", _extra(card, "monitor_method", "监测方法") or method, h),
                       ("监测周期", period, h)])
    y = pdf.row(x, y, [("临灾预报判据", _extra(card, "forecast_criteria", "临灾预报判据"), w)], lines=3)
    y = pdf.section(x, y + 2, w, "三、预警")
    y = pdf.row(x, y, [("预警信号", _extra(card, "warning_signal", "预警信号"), w)])
    y = pdf.row(x, y, [("预警信号发布人", _extra(card, "warning_issuer", "预警信号发布人"), h),
                       ("电话", _extra(card, "warning_issuer_phone", "预警信号发布人电话"), h)])
    y = pdf.section(x, y + 2, w, "四、应急避险")
    y = pdf.row(x, y, [("人员撤离路线", _route(card), w)], lines=2)
    y = pdf.row(x, y, [("预定避灾地点", _shelter(card), w)], lines=2)
    for label, key in (("抢险单位", "rescue_unit"), ("治安保卫单位", "security_unit"), ("医疗救护单位", "medical_unit")):
        y = pdf.row(x, y, [(label, _extra(card, key), h), ("电话", _extra(card, f"{key}_phone"), h)])
    y = pdf.section(x, y + 2, w, "五、发放")
    y = pdf.row(x, y + 0, [("发放单位（盖章）", _extra(card, "issuer"), h), ("发放日期", None, h)])
    y = pdf.row(x, y, [("持卡人签名", None, h), ("签收日期", None, h)])
    pdf.set_font(FONT_FAMILY, size=6.5)
    pdf.set_text_color(90, 90, 90)
    note = (f"预定避灾地点为风险模型给出的最近可用且安全的避难场所（距离为直线距离）。"
            f"空白处由乡镇（街道）现场核实后填写。{cs.township}　隐患点 {s.get('id')}")
    for k, part in enumerate(pdf.wrap(note, w)):
        pdf.text(x, y + 4 + k * 3.2, part)
    pdf.set_text_color(0, 0, 0)
    pdf.draw_rules()


def _household_card(pdf: _Cards, cs: CardSet, card: SiteCard, hh: Household, top: float, mask: bool) -> None:
    s, x, w = card.site, pdf.l_margin, pdf.w - pdf.l_margin - pdf.r_margin
    y = _header(pdf, HOUSEHOLD_CARD_TITLE, x, top + 4, w - 22, cs.sample) - 2
    pdf.qr(str(s.get("id")), x + w - 18, top + 4, 16)
    h, third = w / 2, w / 3
    name, phone = (mask_name(hh.head_name), mask_phone(hh.phone)) if mask else (hh.head_name, hh.phone)
    monitor, mphone = _contact(card, mask)
    pdf.set_font(FONT_FAMILY, size=9)
    y = max(y, top + 21)
    y = pdf.row(x, y, [("户主姓名", name, third), ("家庭人数", _people(hh.people), third),
                       ("房屋类别", hh.house_type, third)])
    y = pdf.row(x, y, [("家庭住址", mask_name(hh.address) if mask and hh.address else hh.address, h),
                       ("户主电话", phone, h)])
    kind = "".join(_txt(s.get(k)) for k in ("scale", "hazard_type"))
    y = pdf.row(x, y, [("灾害点", f"{_txt(s.get('name'))}（{s.get('id')}）", h), ("灾害类型与规模", kind or None, h)])
    y = pdf.row(x, y, [("本户与隐患点的位置关系", None, w)], lines=2)
    y = pdf.row(x, y, [("注意事项", _extra(card, "household_notice", "注意事项"), w)], lines=3)
    y = pdf.row(x, y, [("监测人", monitor, third), ("电话", mphone, third),
                       ("预警信号", _extra(card, "warning_signal", "预警信号"), third)])
    y = pdf.row(x, y, [("预警信号发布人", _extra(card, "warning_issuer", "预警信号发布人"), h),
                       ("电话", _extra(card, "warning_issuer_phone", "预警信号发布人电话"), h)])
    y = pdf.row(x, y, [("撤离路线", _route(card), w)], lines=2)
    y = pdf.row(x, y, [("安置单位与地点", _shelter(card), w)])
    y = pdf.row(x, y, [("救护单位", _extra(card, "medical_unit"), h), ("电话", _extra(card, "medical_unit_phone"), h)])
    y = pdf.row(x, y, [("负责人", _extra(card, "monitor_chief", "监测负责人"), third),
                       ("电话", _extra(card, "monitor_chief_phone", "监测负责人电话"), third),
                       ("户主签名", None, third)])
    pdf.set_font(FONT_FAMILY, size=6)
    pdf.set_text_color(90, 90, 90)
    pdf.text(x, y + 3.2, f"{cs.county}{cs.township}　发放单位（盖章）：__________　发放日期：__________")
    pdf.set_text_color(0, 0, 0)
    pdf.draw_rules()


def _chars(cs: CardSet) -> set[str]:
    texts = [cs.township, cs.county, cs.note]
    for c in cs.cards:
        texts += [_txt(v) for v in c.site.values()] + [_txt(c.shelter_name), _txt(c.shelter_class),
                                                       _txt(c.shelter_direction)]
        texts += [_txt(getattr(h, f)) for h in c.households for f in Household.__dataclass_fields__]
    return set("".join(texts))


def render_cards(cs: CardSet, *, mask_personal: bool = False) -> bytes | None:
    """The PDF of a township's 两卡, or None when it has no geohazard site (see ``cs.note``).

    ``mask_personal`` masks names and phones (for a reader who may not see personal data).
    """
    if not cs.cards:
        return None
    pdf = _Cards(_chars(cs))
    pdf.set_title(f"{cs.county}{cs.township} 地质灾害防灾“两卡”")
    pdf.set_creator("riskmap 垫江县安全风险一张图")
    for card in cs.cards:
        _work_card(pdf, cs, card, mask_personal)
    pairs = [(card, hh) for card in cs.cards for hh in card.households]
    half = pdf.h / 2
    for i, (card, hh) in enumerate(pairs):
        if i % 2 == 0:
            pdf.add_page()
            pdf.set_dash_pattern(dash=2, gap=1.5)
            pdf.set_draw_color(160, 160, 160)
            pdf.line(4, half, pdf.w - 4, half)
            pdf.set_dash_pattern()
            pdf.set_draw_color(0, 0, 0)
        _household_card(pdf, cs, card, hh, 0.0 if i % 2 == 0 else half, mask_personal)
    buf = io.BytesIO()
    pdf.output(buf)
    return buf.getvalue()


def cards_for(root, cs: CardSet, actor: Actor | None, *, mask_personal: bool = False) -> bytes | None:
    """The 两卡 PDF as ``actor`` may have it — the one way the CLI and the app make it.

    Refused (``AccessDeniedError``) for a role without the export right; names, addresses and phones
    masked unless the actor sees the township's personal data in full (or ``mask_personal``); one
    audit line per PDF made, saying whether it was masked.
    """
    actor = actor or LOCAL_OPERATOR
    check_export(actor)
    mask = mask_personal or not actor.sees_personal(cs.township)
    pdf = render_cards(cs, mask_personal=mask)
    if pdf is not None:
        audit_export(root, actor, fmt="两卡", layers=[CARD_LAYERS["site"]], township=cs.township,
                     rows=len(cs.cards), masked=mask)
    return pdf
