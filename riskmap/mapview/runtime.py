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
      case 'star':
        for (var j = 0; j < 10; j++) {
          var b = Math.PI / 5 * j - Math.PI / 2, q = j % 2 ? r * 0.55 : r * 1.3;
          if (j === 0) { ctx.moveTo(x + q * Math.cos(b), y + q * Math.sin(b)); }
          else { ctx.lineTo(x + q * Math.cos(b), y + q * Math.sin(b)); }
        }
        ctx.closePath(); break;
      default: ctx.arc(x, y, r, 0, Math.PI * 2, false);
    }
  }
  RM.shapePath = shapePath;
  function ensurePanes(map) {
    if (map.getPane('rmAgg')) { return; }
    map.createPane('rmAgg').style.zIndex = 450;   // aggregated counts: above areas, below sites
    map.createPane('rmSites').style.zIndex = 460; // registry sites: their own canvas, above both
  }
  RM.ensurePanes = ensurePanes;
  // Leaflet focuses the map on mouse-down; in an iframe partly below the fold that scrolls the page
  // under the pointer and the click lands elsewhere. Focus without scrolling.
  if (L.Map.Keyboard) {
    L.Map.Keyboard.prototype._onMouseDown = function () {
      if (this._focused) { return; }
      try { this._map._container.focus({preventScroll: true}); } catch (err) { /* old browsers */ }
    };
  }
  RM.Shape = L.CircleMarker.extend({
    options: {shape: 'circle', pane: 'rmSites'},
    beforeAdd: function (map) { ensurePanes(map); L.CircleMarker.prototype.beforeAdd.call(this, map); },
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
    if (!d.aggregateBelow) { RM.outer[d.layer] = g; return g; }
    var outer = new RM.Aggregated(g, d);
    RM.outer[d.layer] = outer;
    return outer;
  };
  RM.outer = {};
  // A large layer (九小场所) is counted per screen cell below a zoom level and drawn as points above it.
  RM.Aggregated = L.LayerGroup.extend({
    initialize: function (pts, d) {
      L.LayerGroup.prototype.initialize.call(this, []);
      this._pts = pts; this._d = d; this._agg = L.layerGroup(); this.aggregated = false;
    },
    onAdd: function (map) {
      ensurePanes(map);
      L.LayerGroup.prototype.onAdd.call(this, map);
      map.on('zoomend', this._update, this); this._update();
    },
    onRemove: function (map) {
      map.off('zoomend', this._update, this);
      L.LayerGroup.prototype.onRemove.call(this, map);
    },
    _update: function () {
      var map = this._map, d = this._d;
      if (!map) { return; }
      var z = map.getZoom();
      if (z >= d.aggregateBelow) {
        if (this.hasLayer(this._agg)) { this.removeLayer(this._agg); }
        if (!this.hasLayer(this._pts)) { this.addLayer(this._pts); }
        this.aggregated = false; return;
      }
      if (this.hasLayer(this._pts)) { this.removeLayer(this._pts); }
      this._agg.clearLayers();
      var cell = 64, bins = {}, keys = [];
      for (var i = 0; i < d.x.length; i++) {
        var lat = (d.y0 + d.y[i]) / 1e6, lon = (d.x0 + d.x[i]) / 1e6, p = map.project([lat, lon], z);
        var k = Math.floor(p.x / cell) + ':' + Math.floor(p.y / cell), b = bins[k];
        if (!b) { b = bins[k] = {n: 0, lat: 0, lon: 0}; keys.push(k); }
        b.n += 1; b.lat += lat; b.lon += lon;
      }
      var self = this;
      keys.forEach(function (k) {
        var b = bins[k], size = Math.round(16 + 2.5 * Math.log(b.n + 1) / Math.LN2);
        var span = el('span', 'rm-agg', b.n); span.style.background = d.color;
        span.style.width = span.style.height = span.style.lineHeight = size + 'px';
        var mk = L.marker([b.lat / b.n, b.lon / b.n], {
          pane: 'rmAgg', keyboard: false, title: d.label + ' ' + b.n,
          icon: L.divIcon({className: 'rm-agg-icon', html: span, iconSize: [size, size]})});
        mk.on('click', function (e) { map.setView(e.latlng, Math.min(z + 2, d.aggregateBelow)); });
        self._agg.addLayer(mk);
      });
      this.addLayer(this._agg); this.aggregated = true;
    }
  });
  RM.count = function (map, layer) {
    var g = RM.layers[layer], o = RM.outer[layer] || g;
    return (g && map.hasLayer(o)) ? g.getLayers().length : 0;
  };
  RM.areas = function (d) {
    return L.geoJSON(d.geojson, {
      interactive: !!d.tooltip,
      style: function (f) {
        var fill = f.properties.f, p = f.properties;  // p.c, p.w, p.d: a feature's own stroke (roads)
        return {color: p.c || d.stroke, weight: p.w || d.weight, dashArray: p.d || d.dash || null,
                opacity: d.opacity || 1,
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
  // Township names, decluttered: in priority order (the payload's order), a name whose box would
  // overlap one already shown is hidden at this zoom.
  RM.Labels = L.LayerGroup.extend({
    onAdd: function (map) {
      L.LayerGroup.prototype.onAdd.call(this, map);
      map.on('zoomend', this.declutter, this); this.declutter();
    },
    onRemove: function (map) {
      map.off('zoomend', this.declutter, this);
      L.LayerGroup.prototype.onRemove.call(this, map);
    },
    declutter: function () {
      var map = this._map, placed = [], order = this._order || [];
      if (!map) { return; }
      order.forEach(function (mk) {
        var ic = mk._icon; if (!ic) { return; }
        var p = map.latLngToLayerPoint(mk.getLatLng()), w = mk._rmw, h = 16;
        var box = [p.x - w / 2 - 2, p.y - h / 2 - 1, p.x + w / 2 + 2, p.y + h / 2 + 1];
        var hit = placed.some(function (q) { return box[0] < q[2] && q[0] < box[2] && box[1] < q[3] && q[1] < box[3]; });
        ic.style.display = hit ? 'none' : '';
        if (!hit) { placed.push(box); }
      });
      this.hidden = order.length - placed.length;
    }
  });
  RM.labels = function (d) {
    var g = new RM.Labels([]), order = [];
    var idx = d.names.map(function (n, i) { return i; });
    if (d.priority) { idx.sort(function (a, b) { return d.priority[b] - d.priority[a]; }); }
    idx.forEach(function (i) {
      var icon = L.divIcon({className: 'rm-label', html: el('span', null, d.names[i]), iconSize: null});
      var mk = L.marker([d.lat[i], d.lon[i]], {icon: icon, interactive: false, keyboard: false});
      mk._rmw = 12 * String(d.names[i]).length + 4;
      g.addLayer(mk); order.push(mk);
    });
    g._order = order; RM.labelLayer = g;
    return g;
  };
  function swatch(shape, color, size) {
    var c = el('canvas', 'rm-sw'); c.width = size; c.height = size;
    var ctx = c.getContext('2d'); ctx.beginPath();
    shapePath(ctx, shape, size / 2, size / 2, size / 2 - 3);
    ctx.fillStyle = color; ctx.fill(); ctx.lineWidth = 0.8; ctx.strokeStyle = '#222'; ctx.stroke();
    return c;
  }
  function ramp(box, rp) {
    box.appendChild(el('div', 'rm-legend-title', rp.title));
    rp.steps.forEach(function (s) {
      var sub = el('div', 'rm-legend-sub'), sw = el('span', 'rm-box');
      sw.style.background = s[1]; sub.appendChild(sw); sub.appendChild(el('span', null, s[0]));
      box.appendChild(sub);
    });
  }
  function controlTitles(map, t) {
    if (!t) { return; }
    var c = map.getContainer(), q = function (sel) { return c.querySelector(sel); };
    var set = function (sel, text) { var e = q(sel); if (e && text) { e.title = text; e.setAttribute('aria-label', text); } };
    set('.leaflet-control-zoom-in', t.zoomIn); set('.leaflet-control-zoom-out', t.zoomOut);
    set('.leaflet-control-layers-toggle', t.layers);
    var a = q('.leaflet-control-attribution a[href*="leafletjs"]'); if (a && t.leaflet) { a.title = t.leaflet; }
  }
  RM.legend = function (map, d) {
    var ctl = L.control({position: 'bottomleft'});
    setTimeout(function () { controlTitles(map, d.controls); }, 0);
    ctl.onAdd = function () {
      var wrap = el('div', 'rm-legend'), head = el('div', 'rm-legend-head', d.title), box = el('div', 'rm-legend-body');
      head.setAttribute('role', 'button'); head.tabIndex = 0;
      var open = map.getSize().x >= 900 && map.getSize().y >= 500;  // a narrower map starts with the legend folded
      var sync = function () { box.style.display = open ? '' : 'none'; head.textContent = d.title + (open ? ' ▾' : ' ▸'); wrap.classList.toggle('rm-open', open); };
      L.DomEvent.on(head, 'click', function (e) { L.DomEvent.preventDefault(e); open = !open; sync(); });
      wrap.appendChild(head); wrap.appendChild(box); sync();
      (d.ramps || []).forEach(function (rp) { ramp(box, rp); });
      (d.lines || []).forEach(function (ln) {
        var row = el('div', 'rm-legend-row'), sw = el('span', 'rm-line');
        sw.style.borderTop = '2px ' + (ln.dash ? 'dashed ' : 'solid ') + ln.color; sw.style.background = ln.fill || 'transparent';
        row.appendChild(sw); row.appendChild(el('span', null, ln.label)); box.appendChild(row);
      });
      d.items.forEach(function (it) {
        var row = el('div', 'rm-legend-row');
        row.appendChild(swatch(it.shape, it.color, 16));
        row.appendChild(el('span', null, it.label + (it.count !== undefined ? '（' + it.count + '）' : '')));
        box.appendChild(row);
        if (it.note) { box.appendChild(el('div', 'rm-legend-note', it.note)); }
        (it.classes || []).forEach(function (c) {
          var sub = el('div', 'rm-legend-sub');
          sub.appendChild(swatch(it.shape, c[1], 12)); sub.appendChild(el('span', null, c[0]));
          box.appendChild(sub);
        });
      });
      L.DomEvent.disableClickPropagation(wrap); L.DomEvent.disableScrollPropagation(wrap);
      return wrap;
    };
    ctl.addTo(map);
    return ctl;
  };
  var css = el('style');
  css.textContent = [
    '.rm-legend{background:rgba(255,255,255,.94);padding:4px 8px;font:12px/1.4 "Noto Sans CJK SC",sans-serif;',
    'color:#222;max-width:46vw}',
    '.rm-legend-body{max-height:calc(100vh - 150px);overflow:auto}',
    '.rm-legend{border:2px solid rgba(0,0,0,.2);border-radius:4px;background-clip:padding-box}',
    '.rm-legend-head{font-weight:bold;cursor:pointer;user-select:none;white-space:nowrap;line-height:1.7}',
    '.rm-line{display:inline-block;width:16px;height:8px}',
    '.rm-legend-note{margin-left:20px;font-size:11px;color:#666}',
    '.rm-agg{display:block;border-radius:50%;color:#fff;font:bold 11px/1 "Noto Sans CJK SC",sans-serif;',
    'text-align:center;opacity:.62;border:1px solid #fff;box-shadow:0 0 2px #333;cursor:pointer}',
    '.rm-agg-icon{background:none;border:0}',
    '.leaflet-control-scale-line:not(:first-child){display:none}',
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
