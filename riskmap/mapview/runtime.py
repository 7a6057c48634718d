"""The map's client-side runtime (our own code, no third-party source): shape markers on canvas,
compact site layers, popups built from text nodes, the legend.

Every registry string reaches the DOM through ``textContent`` only, so a site named
``<img src=x onerror=alert(1)>`` is shown as text and runs nothing. The runtime is emitted in
the map's script (not the page header) because streamlit-folium injects the header with
``innerHTML``, which does not execute scripts.
"""

from __future__ import annotations

__all__ = ["RUNTIME_JS"]

RUNTIME_JS = r"""
(function () {
  if (window.RM) { return; }
  var RM = window.RM = {layers: {}, counts: {}};
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined && text !== null) { e.textContent = String(text); }
    return e;
  }
  RM.el = el;
  function shapePath(ctx, shape, x, y, r) {
    switch (shape) {
      case 'triangle':
        ctx.moveTo(x, y - r * 1.2); ctx.lineTo(x + r * 1.05, y + r * 0.8); ctx.lineTo(x - r * 1.05, y + r * 0.8);
        ctx.closePath(); break;
      case 'square': ctx.rect(x - r * 0.85, y - r * 0.85, r * 1.7, r * 1.7); break;
      case 'diamond':
        ctx.moveTo(x, y - r * 1.25); ctx.lineTo(x + r, y); ctx.lineTo(x, y + r * 1.25); ctx.lineTo(x - r, y);
        ctx.closePath(); break;
      case 'house':
        ctx.moveTo(x, y - r * 1.2); ctx.lineTo(x + r, y - r * 0.2); ctx.lineTo(x + r, y + r);
        ctx.lineTo(x - r, y + r); ctx.lineTo(x - r, y - r * 0.2); ctx.closePath(); break;
      case 'drop':
        ctx.moveTo(x, y - r * 1.35);
        ctx.bezierCurveTo(x + r * 1.3, y + r * 0.1, x + r * 0.6, y + r, x, y + r);
        ctx.bezierCurveTo(x - r * 0.6, y + r, x - r * 1.3, y + r * 0.1, x, y - r * 1.35); break;
      case 'hexagon':
        for (var k = 0; k < 6; k++) {
          var a = Math.PI / 3 * k + Math.PI / 6;
          if (k === 0) { ctx.moveTo(x + r * Math.cos(a), y + r * Math.sin(a)); }
          else { ctx.lineTo(x + r * Math.cos(a), y + r * Math.sin(a)); }
        }
        ctx.closePath(); break;
      default: ctx.arc(x, y, r, 0, Math.PI * 2, false);
    }
  }
  RM.shapePath = shapePath;
  RM.Shape = L.CircleMarker.extend({
    options: {shape: 'circle'},
    _updateBounds: function () {
      var r = this._radius * 1.4, w = this._clickTolerance(), p = [r + w, r + w];
      this._pxBounds = new L.Bounds(this._point.subtract(p), this._point.add(p));
    },
    _updatePath: function () {
      var rd = this._renderer;
      if (!rd || !rd._ctx) { return L.CircleMarker.prototype._updatePath.call(this); }
      if (!rd._drawing || this._empty()) { return; }
      var p = this._point, ctx = rd._ctx, r = Math.max(Math.round(this._radius), 1);
      ctx.beginPath(); shapePath(ctx, this.options.shape, p.x, p.y, r); rd._fillStroke(ctx, this);
    }
  });
  function siteId(d, i) {
    if (Array.isArray(d.ids)) { return d.ids[i]; }
    var s = String(d.ids.n[i]);
    while (s.length < d.ids.w) { s = '0' + s; }
    return d.ids.p + s;
  }
  RM.siteId = siteId;
  function popupEl(d, i) {
    var box = el('div', 'rm-pop'), name = d.names ? d.names[i] : null;
    box.appendChild(el('div', 'rm-pop-title', name || siteId(d, i)));
    var tb = el('table', 'rm-pop-table');
    function row(k, v) {
      if (v === null || v === undefined || v === '') { return; }
      var tr = el('tr'); tr.appendChild(el('th', null, k)); tr.appendChild(el('td', null, v)); tb.appendChild(tr);
    }
    row(d.t.layer, d.label);
    row(d.t.id, siteId(d, i));
    row(d.t.township, d.towns[d.tw[i]]);
    if (d.cls) { row(d.classLabel, d.classes[d.cls[i]][0]); }
    if (d.marks && d.marks[i]) { row('巡查', d.marks[i]); }
    for (var c = 0; c < d.cols.length; c++) { row(d.cols[c], d.vals[c][i]); }
    box.appendChild(tb);
    if (d.t.more) { box.appendChild(el('div', 'rm-pop-more', d.t.more)); }
    return box;
  }
  RM.popupEl = popupEl;
  function onSiteClick(e) {
    var m = e.target;
    if (!m.getPopup()) { m.bindPopup(popupEl(m._rmd, m._rmi), {maxWidth: 320}); }
    m.openPopup();
  }
  RM.sites = function (d) {
    var g = L.featureGroup(), n = d.x.length, stroke = n <= d.strokeLimit;
    for (var i = 0; i < n; i++) {
      var color = d.cls ? d.classes[d.cls[i]][1] : d.color;
      var mark = d.marks ? d.marks[i] : '';  // inspection mark: red outline 发现隐患, magenta 逾期未巡查
      var m = new RM.Shape([(d.y0 + d.y[i]) / 1e6, (d.x0 + d.x[i]) / 1e6], {
        shape: d.shape, radius: d.radius + (mark ? 2 : 0),
        color: mark === '发现隐患' ? '#e31a1c' : (mark ? '#c51b8a' : '#222'),
        weight: mark ? 3 : (stroke ? 0.8 : 0), stroke: stroke || !!mark,
        fillColor: color, fillOpacity: 0.9});
      m._rmd = d; m._rmi = i;
      m.on('click', onSiteClick);
      g.addLayer(m);
    }
    RM.layers[d.layer] = g; RM.counts[d.layer] = n;
    return g;
  };
  RM.count = function (map, layer) {
    var g = RM.layers[layer];
    return (g && map.hasLayer(g)) ? g.getLayers().length : 0;
  };
  RM.areas = function (d) {
    return L.geoJSON(d.geojson, {
      interactive: !!d.tooltip,
      style: function (f) {
        var fill = f.properties.f;
        return {color: d.stroke, weight: d.weight, dashArray: d.dash || null, opacity: d.opacity || 1,
                fill: d.fill !== false, fillColor: fill || d.fillColor || d.stroke,
                fillOpacity: fill ? d.fillOpacity : (d.baseFillOpacity || 0)};
      },
      pointToLayer: function (f, latlng) {
        return L.circleMarker(latlng, {radius: d.radius || 3, color: d.stroke, weight: 1, fillOpacity: 0.8});
      },
      onEachFeature: function (f, layer) {
        if (d.tooltip && f.properties.n) {
          layer.bindTooltip(el('span', null, f.properties.n + (f.properties.v ? '：' + f.properties.v : '')),
                            {sticky: true});
        }
      }
    });
  };
  RM.labels = function (d) {
    var g = L.layerGroup();
    for (var i = 0; i < d.names.length; i++) {
      var icon = L.divIcon({className: 'rm-label', html: el('span', null, d.names[i]), iconSize: null});
      g.addLayer(L.marker([d.lat[i], d.lon[i]], {icon: icon, interactive: false, keyboard: false}));
    }
    return g;
  };
  function swatch(shape, color, size) {
    var c = el('canvas', 'rm-sw'); c.width = size; c.height = size;
    var ctx = c.getContext('2d'); ctx.beginPath();
    shapePath(ctx, shape, size / 2, size / 2, size / 2 - 3);
    ctx.fillStyle = color; ctx.fill(); ctx.lineWidth = 0.8; ctx.strokeStyle = '#222'; ctx.stroke();
    return c;
  }
  RM.legend = function (map, d) {
    var ctl = L.control({position: 'bottomright'});
    ctl.onAdd = function () {
      var box = el('div', 'rm-legend leaflet-bar');
      box.appendChild(el('div', 'rm-legend-title', d.title));
      d.items.forEach(function (it) {
        var row = el('div', 'rm-legend-row');
        row.appendChild(swatch(it.shape, it.color, 16));
        row.appendChild(el('span', null, it.label + (it.count !== undefined ? '（' + it.count + '）' : '')));
        box.appendChild(row);
        (it.classes || []).forEach(function (c) {
          var sub = el('div', 'rm-legend-sub');
          sub.appendChild(swatch(it.shape, c[1], 12)); sub.appendChild(el('span', null, c[0]));
          box.appendChild(sub);
        });
      });
      (d.ramps || []).forEach(function (rp) {
        box.appendChild(el('div', 'rm-legend-title', rp.title));
        rp.steps.forEach(function (s) {
          var sub = el('div', 'rm-legend-sub'), sw = el('span', 'rm-box');
          sw.style.background = s[1]; sub.appendChild(sw); sub.appendChild(el('span', null, s[0]));
          box.appendChild(sub);
        });
      });
      L.DomEvent.disableClickPropagation(box); L.DomEvent.disableScrollPropagation(box);
      return box;
    };
    ctl.addTo(map);
    return ctl;
  };
  var css = el('style');
  css.textContent = [
    '.rm-legend{background:rgba(255,255,255,.92);padding:6px 8px;font:12px/1.4 "Noto Sans CJK SC",sans-serif;',
    'max-height:45vh;overflow:auto;color:#222}',
    '.rm-legend-title{font-weight:bold;margin:2px 0}',
    '.rm-legend-row{display:flex;align-items:center;gap:4px;margin-top:3px}',
    '.rm-legend-sub{display:flex;align-items:center;gap:4px;margin-left:14px;font-size:11px}',
    '.rm-box{display:inline-block;width:14px;height:10px;border:1px solid #555}',
    '.rm-label span{font:12px "Noto Sans CJK SC",sans-serif;color:#333;white-space:nowrap;',
    'text-shadow:0 0 3px #fff,0 0 3px #fff;transform:translate(-50%,-50%);display:inline-block}',
    '.rm-pop-title{font-weight:bold;font-size:13px;margin-bottom:4px}',
    '.rm-pop-table th{text-align:left;padding-right:8px;color:#555;font-weight:normal}',
    '.rm-pop-more{color:#777;font-size:11px;margin-top:4px}'].join('');
  document.head.appendChild(css);
})();
"""
