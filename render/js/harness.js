// Sketch harness: runs one p5.js sketch after another in the same document.
//
// window.__h.run(code, id, opts) runs a sketch, waits for its first frame, returns
// {status, error, line, width, height, png, trace, hasCanvas} and then puts the page back into the state it
// had before the sketch (timers, listeners, globals, prototypes, DOM, p5 module state), so that the next
// sketch renders exactly as in a freshly loaded document.
(function () {
  'use strict';
  const P5 = window.p5;
  const O = {
    setTimeout: window.setTimeout.bind(window),
    clearTimeout: window.clearTimeout.bind(window),
    setInterval: window.setInterval.bind(window),
    clearInterval: window.clearInterval.bind(window),
    raf: window.requestAnimationFrame.bind(window),
    caf: window.cancelAnimationFrame.bind(window),
    ric: window.requestIdleCallback ? window.requestIdleCallback.bind(window) : null,
    cic: window.cancelIdleCallback ? window.cancelIdleCallback.bind(window) : null,
    add: EventTarget.prototype.addEventListener,
    remove: EventTarget.prototype.removeEventListener,
    consoleError: console.error,
    now: performance.now.bind(performance),
    Promise: window.Promise,  // the sketch may replace window.Promise; the harness keeps its own
  };
  const LIFECYCLE = ['preload', 'setup', 'draw'];
  const HANDLERS = ['mousePressed', 'mouseReleased', 'mouseClicked', 'mouseMoved', 'mouseDragged', 'mouseWheel',
    'doubleClicked', 'keyPressed', 'keyReleased', 'keyTyped', 'keyIsDown', 'touchStarted', 'touchMoved',
    'touchEnded', 'windowResized', 'deviceMoved', 'deviceTurned', 'deviceShaken'];
  const EXPORTS = LIFECYCLE.concat(HANDLERS);
  const EXPORT_EXPR = '{' + EXPORTS.map(n => n + ':typeof ' + n + "==='function'?" + n + ':undefined').join(',') + '}';
  // The same, safe before the program's own declarations ran (a let/const still in its dead zone throws).
  const EARLY_EXPR = '{' + EXPORTS.map(n => n + ':(()=>{try{return typeof ' + n + "==='function'?" + n +
    ':undefined}catch(e){}})()').join(',') + '}';
  const MAX_SIDE = 8192;
  const MAX_PIXELS = 16 * 1024 * 1024;
  const MAX_TRACE = 2000;

  let S = null;          // state of the running sketch
  let active = false;    // true while a sketch runs (between injection and cleanup)
  let traceDepth = 0;    // >0 while inside a traced call: p5 calls itself (circle -> ellipse)

  // ---- timers and listeners of the sketch, so that cleanup can cancel them ----
  const timers = { t: new Set(), i: new Set(), r: new Set(), c: new Set() };
  window.setTimeout = function (...a) { const id = O.setTimeout(...a); if (active) timers.t.add(id); return id; };
  window.setInterval = function (...a) { const id = O.setInterval(...a); if (active) timers.i.add(id); return id; };
  window.requestAnimationFrame = function (cb) { const id = O.raf(cb); if (active) timers.r.add(id); return id; };
  if (O.ric) window.requestIdleCallback = function (...a) { const id = O.ric(...a); if (active) timers.c.add(id); return id; };
  const listeners = [];
  EventTarget.prototype.addEventListener = function (type, fn, opt) {
    if (active && (this === window || this === document)) listeners.push([this, type, fn, opt]);
    return O.add.call(this, type, fn, opt);
  };

  // ---- errors ----
  function sketchLine(stack, file) {
    if (typeof stack !== 'string') return null;
    const re = /sketch-(\d+)\.js:(\d+):(\d+)/g;
    let m;
    while ((m = re.exec(stack)) !== null) {
      if ('sketch-' + m[1] + '.js' === file) return parseInt(m[2], 10);
    }
    return null;
  }
  function namesOtherSketch(text) {
    if (typeof text !== 'string' || !S) return false;
    const m = text.match(/sketch-(\d+)\.js/);
    return m !== null && 'sketch-' + m[1] + '.js' !== S.file;
  }
  function describe(e) {
    if (e && typeof e === 'object' && 'message' in e) {
      const name = e.name || 'Error';
      return name + ': ' + e.message;
    }
    try { return 'Uncaught ' + String(e); } catch (x) { return 'Uncaught exception'; }
  }
  function clampLine(line) {
    // errors caused by a missing closing brace point just past the program, into the harness's wrapper
    if (line === null || !S) return line;
    return Math.max(1, Math.min(line, S.lines));
  }
  function recordError(message, line) {
    if (!S) return;
    if (S.errors.some(x => x.message === message && x.line === line)) return;  // p5 reports some twice
    S.errors.push({ message: message, line: line });
    wake();
  }
  function recordException(e) {
    if (!S) return;
    if (e && e.__h_recorded) return;
    const stack = e && typeof e === 'object' ? e.stack : null;
    if (namesOtherSketch(stack) && sketchLine(stack, S.file) === null) return;
    recordError(describe(e), sketchLine(stack, S.file));
    try { if (e && typeof e === 'object') Object.defineProperty(e, '__h_recorded', { value: true }); } catch (x) { }
  }
  O.add.call(window, 'error', function (ev) {
    if (!active || !S || ev.target !== window) return;
    if (ev.error !== undefined && ev.error !== null) {
      if (ev.error.__h_recorded) return;
      const stack = typeof ev.error === 'object' ? ev.error.stack : null;
      if (namesOtherSketch(stack) || namesOtherSketch(ev.filename)) return;  // a late callback of an earlier sketch
      let line = sketchLine(stack, S.file);
      if (line === null && ev.filename && ev.filename.indexOf(S.file) >= 0) line = ev.lineno || null;
      // A syntax error while the sketch's script is inserted: the position is in the sketch's own text.
      if (line === null && S.injecting && ev.error.name === 'SyntaxError') line = ev.lineno || null;
      recordError(describe(ev.error).replace(/Failed to execute '\w+' on '\w+': /, ''), clampLine(line));
    } else {
      if (namesOtherSketch(ev.filename)) return;
      const line = ev.filename && ev.filename.indexOf(S.file) >= 0 ? (ev.lineno || null) : null;
      recordError(String(ev.message || 'Script error').replace(/^Uncaught /, ''), line);
    }
  }, true);
  O.add.call(window, 'unhandledrejection', function (ev) {
    if (!active || !S) return;
    const r = ev.reason;
    const stack = r && typeof r === 'object' ? r.stack : null;
    if (namesOtherSketch(stack)) return;
    recordError('Unhandled promise rejection: ' + describe(r), sketchLine(stack, S.file));
  });
  // p5 reports a failed preload() loader on the console and then waits forever: turn that into an error.
  console.error = function (...args) {
    if (active && S && S.main && S.inPreload) {
      recordError('preload() could not load a file (the renderer has no network access): ' +
        args.map(a => (a && a.type) ? a.type + ' event' : String(a)).join(' '), null);
    }
    return O.consoleError.apply(console, args);
  };

  // ---- readiness ----
  function ready() {
    if (!S) return true;
    if (S.errors.length) return true;
    return S.setupDone && (!S.hasDraw || S.drawn);
  }
  function wake() {
    if (S && S.resolve && ready()) { const r = S.resolve; S.resolve = null; r(); }
  }

  function wrapLifecycle(ctx, inst) {
    const isMain = inst === S.main;
    if (typeof ctx.preload === 'function') {
      const up = ctx.preload;
      if (isMain) S.inPreload = true;
      ctx.preload = function () {
        try { return up.apply(this, arguments); } catch (e) { recordException(e); throw e; }
      };
    }
    if (typeof ctx.setup === 'function') {
      const us = ctx.setup;
      ctx.setup = function () {
        if (isMain && S) S.inPreload = false;
        try { return us.apply(this, arguments); } catch (e) { recordException(e); throw e; }
      };
    }
    if (typeof ctx.draw === 'function') {
      const ud = ctx.draw;
      if (isMain) S.hasDraw = true;
      ctx.draw = function () {
        try { return ud.apply(this, arguments); } catch (e) { recordException(e); throw e; }
      };
    }
  }
  function instanceOf(ctx) { return ctx === window ? P5.instance : ctx; }
  P5.prototype.registerMethod('init', function () {
    if (!active || !S) return;
    const inst = instanceOf(this);
    if (!inst || S.insts.indexOf(inst) >= 0) return;
    S.insts.push(inst);
    if (!S.main) S.main = inst;
    wrapLifecycle(this, inst);
  });
  P5.prototype.registerMethod('afterSetup', function () {
    if (!active || !S) return;
    const inst = instanceOf(this);
    // Draw the first frame right after setup instead of on the next animation frame (same pixels, no wait).
    inst._lastTargetFrameTime = -Infinity;
    if (inst === S.main) { S.setupDone = true; S.inPreload = false; wake(); }
  });
  P5.prototype.registerMethod('post', function () {
    if (!active || !S) return;
    if (instanceOf(this) === S.main) { S.drawn = true; wake(); }
  });

  // ---- draw trace ----
  function userLine() {
    const prevPrepare = Error.prepareStackTrace, prevLimit = Error.stackTraceLimit;
    Error.prepareStackTrace = function (e, frames) { return frames; };
    Error.stackTraceLimit = 16;
    const holder = {};
    Error.captureStackTrace(holder, userLine);
    const frames = holder.stack;
    Error.prepareStackTrace = prevPrepare;
    Error.stackTraceLimit = prevLimit;
    const lines = [];
    if (Array.isArray(frames)) {
      for (const f of frames) {
        if (f.getScriptNameOrSourceURL() === S.file) lines.push(f.getLineNumber());
      }
    }
    return lines;  // innermost first: the call itself, then the lines of the helpers' callers
  }
  function num(v) { return typeof v === 'number' && isFinite(v) ? v : (typeof v === 'string' && v !== '' && isFinite(+v) ? +v : NaN); }
  function cleanArg(v) {
    if (v === null || v === undefined) return null;
    if (typeof v === 'number') return isFinite(v) ? Math.round(v * 1000) / 1000 : null;
    if (typeof v === 'string') return v.length > 200 ? v.slice(0, 200) : v;
    if (typeof v === 'boolean') return v;
    if (v instanceof P5.Image || v instanceof P5.Graphics) return '<' + (v instanceof P5.Graphics ? 'p5.Graphics' : 'p5.Image') + ' ' + v.width + 'x' + v.height + '>';
    if (Array.isArray(v)) return '<array ' + v.length + '>';
    return '<' + (v.constructor && v.constructor.name ? v.constructor.name : typeof v) + '>';
  }
  function boxOf(inst, pts, pad) {
    let m;
    try { m = inst.drawingContext.getTransform(); } catch (e) { return null; }
    const d = inst._pixelDensity || 1;
    let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
    for (const [x, y] of pts) {
      if (!isFinite(x) || !isFinite(y)) continue;
      for (const [dx, dy] of pad ? [[-pad, -pad], [pad, -pad], [-pad, pad], [pad, pad]] : [[0, 0]]) {
        const px = x + dx, py = y + dy;
        const tx = (m.a * px + m.c * py + m.e) / d, ty = (m.b * px + m.d * py + m.f) / d;
        if (tx < x0) x0 = tx; if (tx > x1) x1 = tx; if (ty < y0) y0 = ty; if (ty > y1) y1 = ty;
      }
    }
    if (!isFinite(x0)) return null;
    const r = v => Math.round(v * 100) / 100;
    return [r(x0), r(y0), r(x1), r(y1)];
  }
  function cornerBox(mode, a, b, c, d, C) {
    // a,b,c,d as passed to rect()/ellipse()/image(); returns [x0, y0, x1, y1] in local coordinates
    if (mode === C.CORNERS) return [Math.min(a, c), Math.min(b, d), Math.max(a, c), Math.max(b, d)];
    if (mode === C.CENTER) return [a - c / 2, b - d / 2, a + c / 2, b + d / 2];
    if (mode === C.RADIUS) return [a - c, b - d, a + c, b + d];
    return [Math.min(a, a + c), Math.min(b, b + d), Math.max(a, a + c), Math.max(b, b + d)];
  }
  function rectPts(b) { return [[b[0], b[1]], [b[2], b[1]], [b[0], b[3]], [b[2], b[3]]]; }
  function localPoints(inst, fn, a) {
    const C = P5.prototype, R = inst._renderer || {};
    const n = a.map(num);
    switch (fn) {
      case 'circle': return rectPts(cornerBox(R._ellipseMode, n[0], n[1], n[2], n[2], C));
      case 'ellipse': return rectPts(cornerBox(R._ellipseMode, n[0], n[1], n[2], isNaN(n[3]) ? n[2] : n[3], C));
      case 'arc': return rectPts(cornerBox(R._ellipseMode, n[0], n[1], n[2], n[3], C));
      case 'rect': return rectPts(cornerBox(R._rectMode, n[0], n[1], n[2], isNaN(n[3]) ? n[2] : n[3], C));
      case 'square': return rectPts(cornerBox(R._rectMode, n[0], n[1], n[2], n[2], C));
      case 'line': return [[n[0], n[1]], [n[2], n[3]]];
      case 'point': return [[n[0], n[1]]];
      case 'triangle': return [[n[0], n[1]], [n[2], n[3]], [n[4], n[5]]];
      case 'quad': return [[n[0], n[1]], [n[2], n[3]], [n[4], n[5]], [n[6], n[7]]];
      case 'bezier': return [[n[0], n[1]], [n[2], n[3]], [n[4], n[5]], [n[6], n[7]]];
      case 'curve': return [[n[2], n[3]], [n[4], n[5]]];
      case 'background': case 'clear': {
        return null;
      }
      case 'image': {
        const img = a[0];
        const w = isNaN(n[3]) ? (img && img.width) || 0 : n[3];
        const h = isNaN(n[4]) ? (img && img.height) || 0 : n[4];
        return rectPts(cornerBox(R._imageMode, n[1], n[2], w, h, C));
      }
      case 'text': {
        const s = String(a[0]);
        const lines = s.split('\n');
        let w = 0;
        for (const l of lines) w = Math.max(w, inst.textWidth(l));
        const asc = inst.textAscent(), desc = inst.textDescent();
        const lead = R._textLeading || (asc + desc);
        const h = asc + desc + (lines.length - 1) * lead;
        let x = n[1], y = n[2];
        if (!isNaN(n[3])) {  // text in a box: wraps inside (x, y, w, h)
          const bh = isNaN(n[4]) ? h : n[4];
          return rectPts([x, y, x + n[3], y + bh]);
        }
        const align = R._textAlign, base = R._textBaseline;
        if (align === C.CENTER) x -= w / 2; else if (align === C.RIGHT) x -= w;
        let top;
        if (base === C.TOP) top = y;
        else if (base === C.CENTER) top = y - h / 2;
        else if (base === C.BOTTOM) top = y - h;
        else top = y - asc;
        return rectPts([x, top, x + w, top + h]);
      }
    }
    return null;
  }
  // Colour state at draw time, as [r, g, b, a] (0–255) or null when noFill()/noStroke() (or a gradient/pattern).
  function parseStyle(v) {
    if (typeof v !== 'string') return null;
    let m = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})?$/i.exec(v);
    if (m) return [parseInt(m[1], 16), parseInt(m[2], 16), parseInt(m[3], 16), m[4] ? parseInt(m[4], 16) : 255];
    m = /^rgba?\(\s*([\d.]+)[\s,]+([\d.]+)[\s,]+([\d.]+)(?:[\s,/]+([\d.]+))?\s*\)$/i.exec(v);
    if (m) return [Math.round(+m[1]), Math.round(+m[2]), Math.round(+m[3]), m[4] === undefined ? 255 : Math.round(+m[4] * 255)];
    return null;
  }
  function colours(inst) {
    const R = inst._renderer, ctx = inst.drawingContext;
    if (!R || !ctx) return { fill: null, stroke: null };
    return { fill: R._doFill ? parseStyle(ctx.fillStyle) : null, stroke: R._doStroke ? parseStyle(ctx.strokeStyle) : null };
  }
  // Points in canvas pixels after the current transform, at most `cap` (evenly spaced, first and last kept).
  const MAX_POINTS = 256;
  function xform(inst, pts, cap) {
    let m;
    try { m = inst.drawingContext.getTransform(); } catch (e) { return null; }
    const d = inst._pixelDensity || 1;
    let src = pts.filter(p => isFinite(p[0]) && isFinite(p[1]));
    if (src.length > cap) {
      const k = src.length - 1;
      src = Array.from({ length: cap }, (_, i) => src[Math.round(i * k / (cap - 1))]);
    }
    const r = v => Math.round(v * 100) / 100;
    return src.map(([x, y]) => [r((m.a * x + m.c * y + m.e) / d), r((m.b * x + m.d * y + m.f) / d)]);
  }
  // Calls whose geometry is a set of points worth keeping (ends of lines and curves, corners of polygons).
  const POINTED = {
    line: p => p, point: p => p, triangle: p => p, quad: p => p, curve: p => p,
    bezier: p => p.length === 4 ? [p[0], p[3]] : p,  // the anchors; the middle two are control points
  };
  // Points along the curve an arc() draws (its bbox is the whole ellipse), with p5's own angle handling:
  // angleMode, and the correction that makes the angles visual on a non-circular ellipse.
  function arcPoints(inst, a) {
    const C = P5.prototype, R = inst._renderer || {};
    const n = a.map(num);
    if ([0, 1, 2, 3, 4, 5].some(i => isNaN(n[i]))) return null;
    const keep = R._ellipseMode === C.CORNERS;  // there the last two are a corner; elsewhere p5 takes |w|, |h|
    const b = cornerBox(R._ellipseMode, n[0], n[1], keep ? n[2] : Math.abs(n[2]), keep ? n[3] : Math.abs(n[3]), C);
    const cx = (b[0] + b[2]) / 2, cy = (b[1] + b[3]) / 2, rx = (b[2] - b[0]) / 2, ry = (b[3] - b[1]) / 2;
    if (!(rx > 0 && ry > 0)) return null;
    const ang = inst._normalizeArcAngles(inst._toRadians(n[4]), inst._toRadians(n[5]), 2 * rx, 2 * ry, true);
    const t0 = ang.start, t1 = ang.correspondToSamePoint ? ang.start + 2 * Math.PI : ang.stop;
    const k = Math.max(2, Math.min(65, Math.ceil((t1 - t0) / (Math.PI / 32)) + 1));
    const pts = [];
    for (let i = 0; i < k; i++) {
      const t = t0 + (t1 - t0) * i / (k - 1);
      pts.push([cx + rx * Math.cos(t), cy + ry * Math.sin(t)]);
    }
    return pts;
  }
  const TRACED = {
    circle: 'shape', ellipse: 'shape', rect: 'shape', square: 'shape', arc: 'shape', triangle: 'shape',
    quad: 'shape', bezier: 'shape', curve: 'shape', line: 'line', point: 'line', text: 'text', image: 'image',
    background: 'other', clear: 'other',
  };
  function tracing(inst) {
    return active && S && S.traceOn && inst === S.main && traceDepth === 0 && S.trace.length < MAX_TRACE &&
      inst._renderer && !inst._renderer.isP3D;
  }
  for (const fn of Object.keys(TRACED)) {
    const f = P5.prototype[fn];
    P5.prototype[fn] = function (...args) {
      if (!tracing(this)) return f.apply(this, args);
      let call = null;
      try {
        let bbox;
        if (fn === 'background' || fn === 'clear') bbox = [0, 0, this.width, this.height];
        else {
          const pts = localPoints(this, fn, args);
          const pad = (fn === 'line' || fn === 'point') && this._renderer._doStroke ?
            (this._renderer._strokeWeight || 1) / 2 : 0;
          bbox = pts ? boxOf(this, pts, pad) : null;
        }
        const lines = userLine();
        const col = colours(this);
        call = { fn: fn, args: args.map(cleanArg), line: lines.length ? lines[0] : null, bbox: bbox,
          kind: TRACED[fn], text: fn === 'text' ? String(args[0]) : null, call_lines: lines,
          fill: col.fill, stroke: col.stroke };
        if (POINTED[fn]) {
          const lp = localPoints(this, fn, args);
          if (lp) call.points = xform(this, POINTED[fn](lp), MAX_POINTS);
        } else if (fn === 'arc') {
          let ap = null;
          try { ap = arcPoints(this, args); } catch (e) { ap = null; }  // the call is kept without its points
          if (ap) call.points = xform(this, ap, MAX_POINTS);
        }
      } catch (e) { call = null; }
      traceDepth++;
      try { return f.apply(this, args); } finally {
        traceDepth--;
        if (call && S) S.trace.push(call);
      }
    };
  }
  // beginShape() ... endShape(): one shape call, boxed over its vertices with the matrix at endShape().
  const VERTEX_POINTS = {
    vertex: a => [[a[0], a[1]]], curveVertex: a => [[a[0], a[1]]],
    bezierVertex: a => [[a[0], a[1]], [a[2], a[3]], [a[4], a[5]]],
    quadraticVertex: a => [[a[0], a[1]], [a[2], a[3]]],
  };
  function shapeMode(m) {
    // beginShape(kind): p5's constants are numbers for some kinds and strings for others
    const C = P5.prototype;
    const names = [[C.POINTS, 'points'], [C.LINES, 'lines'], [C.TRIANGLES, 'triangles'], [C.TRIANGLE_FAN, 'triangle_fan'],
      [C.TRIANGLE_STRIP, 'triangle_strip'], [C.QUADS, 'quads'], [C.QUAD_STRIP, 'quad_strip']];
    for (const [v, n] of names) if (m === v) return n;
    return null;  // a plain polygon or polyline
  }
  {
    const fBegin = P5.prototype.beginShape, fEnd = P5.prototype.endShape;
    P5.prototype.beginShape = function (...args) {
      if (tracing(this)) {
        const lines = userLine();
        S.shape = { line: lines.length ? lines[0] : null, lines: lines, points: [], args: args.map(cleanArg) };
      }
      traceDepth++;
      try { return fBegin.apply(this, args); } finally { traceDepth--; }
    };
    for (const v of Object.keys(VERTEX_POINTS)) {
      const f = P5.prototype[v];
      P5.prototype[v] = function (...args) {
        if (tracing(this) && S.shape && S.shape.points.length < 100000) {
          for (const p of VERTEX_POINTS[v](args.map(num))) S.shape.points.push(p);
        }
        traceDepth++;
        try { return f.apply(this, args); } finally { traceDepth--; }
      };
    }
    P5.prototype.endShape = function (...args) {
      let call = null;
      if (tracing(this) && S.shape) {
        try {
          const endLines = userLine();
          const col = colours(this);
          call = { fn: 'endShape', args: args.map(cleanArg), line: S.shape.line,
            end_line: endLines.length ? endLines[0] : null, bbox: boxOf(this, S.shape.points, 0), kind: 'shape',
            text: null, call_lines: S.shape.lines, fill: col.fill, stroke: col.stroke,
            points: xform(this, S.shape.points, MAX_POINTS), mode: shapeMode(S.shape.args[0]) };
        } catch (e) { call = null; }
        S.shape = null;
      }
      traceDepth++;
      try { return fEnd.apply(this, args); } finally {
        traceDepth--;
        if (call && S) S.trace.push(call);
      }
    };
  }

  // ---- p5 module state that remove() does not reset ----
  let resetInst = null;
  function resetModuleState() {
    if (!resetInst) return;
    try {
      // endShape() with vertices clears the curve/bezier/contour flags; beginShape() empties the vertex list
      resetInst.stroke(0);
      resetInst.beginShape(); resetInst.vertex(0, 0); resetInst.vertex(1, 1); resetInst.endShape();
      resetInst.beginShape();
      resetInst.noiseDetail(4, 0.5);
    } catch (e) { /* a sketch that broke p5 itself leaves the page marked dirty by the caller */ }
  }

  // ---- snapshots for cleanup ----
  function snapshotObject(obj) {
    const m = new Map();
    for (const k of Reflect.ownKeys(obj)) {
      try { m.set(k, Object.getOwnPropertyDescriptor(obj, k)); } catch (e) { }
    }
    return m;
  }
  function sameDesc(a, b) {
    return a.value === b.value && a.get === b.get && a.set === b.set && a.writable === b.writable &&
      a.enumerable === b.enumerable && a.configurable === b.configurable;
  }
  function restoreObject(obj, snap) {
    // returns the number of properties that could not be put back (the page then needs a fresh document)
    let failed = 0;
    for (const k of Reflect.ownKeys(obj)) {
      let d;
      try { d = Object.getOwnPropertyDescriptor(obj, k); } catch (e) { continue; }
      const base = snap.get(k);
      if (base === undefined) {
        let gone = false;
        try { gone = delete obj[k]; } catch (e) { }
        if (!gone) failed++;
      } else if (d && !sameDesc(d, base)) {
        try { Object.defineProperty(obj, k, base); } catch (e) { failed++; }
      }
    }
    for (const [k, base] of snap) {
      if (!Object.prototype.hasOwnProperty.call(obj, k)) {
        try { Object.defineProperty(obj, k, base); } catch (e) { failed++; }
      }
    }
    return failed;
  }
  function windowValues() {
    const m = new Map();
    for (const k of Object.getOwnPropertyNames(window)) {
      let v;
      try { v = window[k]; } catch (e) { continue; }
      m.set(k, v);
    }
    return m;
  }
  function restoreWindow(base) {
    let failed = 0;
    for (const k of Object.getOwnPropertyNames(window)) {
      if (!base.has(k)) {
        let gone = false;
        try { gone = delete window[k]; } catch (e) { }
        if (!gone) failed++;
        continue;
      }
      let v;
      try { v = window[k]; } catch (e) { continue; }
      const b = base.get(k);
      if (v !== b && !(v !== v && b !== b)) {
        try { window[k] = b; } catch (e) { }
        try { if (window[k] !== b) Object.defineProperty(window, k, { value: b, writable: true, configurable: true }); } catch (e) { }
        try { if (window[k] !== b) failed++; } catch (e) { failed++; }
      }
    }
    for (const [k, b] of base) {
      if (!(k in window)) { try { window[k] = b; } catch (e) { failed++; } }
    }
    return failed;
  }
  const protoTargets = [];
  function addProtoTargets() {
    const seen = new Set();
    const add = o => { if (o && (typeof o === 'object' || typeof o === 'function') && !seen.has(o)) { seen.add(o); protoTargets.push([o, snapshotObject(o)]); } };
    for (const C of [Object, Array, String, Number, Boolean, Function, Symbol, Date, RegExp, Map, Set, WeakMap,
      Promise, Error, TypeError, RangeError, ArrayBuffer, Uint8Array, Uint8ClampedArray, Float32Array, Float64Array,
      Int32Array, Uint32Array, CanvasRenderingContext2D, HTMLCanvasElement, Element, Node, EventTarget,
      HTMLElement, Document, Image, Path2D, DOMMatrix, ImageData]) {
      add(C); add(C.prototype);
    }
    add(Math); add(JSON); add(Reflect); add(console); add(Error); add(Array.prototype[Symbol.iterator]);
    add(P5); add(P5.prototype);
    for (const k of Object.getOwnPropertyNames(P5)) {
      let v; try { v = P5[k]; } catch (e) { continue; }
      if (typeof v === 'function' && v.prototype) { add(v); add(v.prototype); }
      else if (v && typeof v === 'object' && !Array.isArray(v)) add(v);
    }
    for (const k of Object.keys(P5.prototype._registeredMethods)) add(P5.prototype._registeredMethods);
    add(P5.prototype._preloadMethods);
  }
  let registeredSnap = null;
  function snapshotRegistered() {
    const r = {};
    for (const k of Object.keys(P5.prototype._registeredMethods)) r[k] = P5.prototype._registeredMethods[k].slice();
    return r;
  }
  function restoreRegistered() {
    const cur = P5.prototype._registeredMethods;
    for (const k of Object.keys(cur)) if (!(k in registeredSnap)) delete cur[k];
    for (const k of Object.keys(registeredSnap)) cur[k] = registeredSnap[k].slice();
  }

  let windowBase = null, docBase = null, headBase = null, htmlAttrs = null, bodyHTML = '', titleBase = '';
  function attrsOf(el) { return Array.from(el.attributes).map(a => [a.name, a.value]); }
  function setAttrs(el, attrs) {
    for (const a of Array.from(el.attributes)) el.removeAttribute(a.name);
    for (const [n, v] of attrs) el.setAttribute(n, v);
  }

  function cleanup() {
    const insts = S ? S.insts.slice() : [];
    active = false;
    for (const inst of insts.reverse()) { try { inst.remove(); } catch (e) { } }
    for (const id of timers.t) O.clearTimeout(id);
    for (const id of timers.i) O.clearInterval(id);
    for (const id of timers.r) O.caf(id);
    if (O.cic) for (const id of timers.c) O.cic(id);
    timers.t.clear(); timers.i.clear(); timers.r.clear(); timers.c.clear();
    for (const [t, type, fn, opt] of listeners.splice(0)) { try { O.remove.call(t, type, fn, opt); } catch (e) { } }
    let failed = 0;
    for (const [o, snap] of protoTargets) failed += restoreObject(o, snap);
    restoreRegistered();
    failed += restoreWindow(windowBase);
    failed += restoreObject(document, docBase);
    P5.instance = null;
    // DOM: a new body, the head and <html> as they were
    const body = document.createElement('body');
    document.documentElement.replaceChild(body, document.body);
    for (const el of Array.from(document.head.children)) if (headBase.indexOf(el) < 0) el.remove();
    setAttrs(document.documentElement, htmlAttrs);
    if (document.title !== titleBase) document.title = titleBase;
    try { localStorage.clear(); sessionStorage.clear(); } catch (e) { }
    resetModuleState();
    S = null;
    return failed > 0;  // true: something could not be undone, the caller must load a fresh document
  }

  // ---- capture ----
  const scratch = document.createElement('canvas');
  const sctx = scratch.getContext('2d', { willReadFrequently: true });
  function capture(inst, withPng) {
    const canvas = inst && (inst.canvas || (inst._renderer && inst._renderer.elt));
    if (!canvas || !(canvas instanceof HTMLCanvasElement)) return { hasCanvas: false };
    const w = Math.round(inst.width), h = Math.round(inst.height);
    if (!(w > 0 && h > 0)) return { hasCanvas: false };
    if (w > MAX_SIDE || h > MAX_SIDE || w * h > MAX_PIXELS) {
      return { hasCanvas: true, tooLarge: true, width: w, height: h };
    }
    if (scratch.width !== w) scratch.width = w;
    if (scratch.height !== h) scratch.height = h;
    sctx.setTransform(1, 0, 0, 1, 0, 0);
    sctx.globalAlpha = 1; sctx.globalCompositeOperation = 'source-over'; sctx.filter = 'none';
    sctx.imageSmoothingEnabled = true;
    sctx.fillStyle = '#ffffff';
    sctx.fillRect(0, 0, w, h);
    sctx.drawImage(canvas, 0, 0, w, h);
    const px = new Uint32Array(sctx.getImageData(0, 0, w, h).data.buffer);
    const c0 = px[0];
    let blank = true;
    for (let i = 1; i < px.length; i++) { if (px[i] !== c0) { blank = false; break; } }
    return { hasCanvas: true, width: w, height: h, blank: blank, png: withPng ? scratch.toDataURL('image/png') : null };
  }

  function sleep(ms) { return new O.Promise(r => O.setTimeout(r, ms)); }

  let captureMs = 0;  // opts.profile: where a render's time goes
  async function run(code, id, opts) {
    const t0 = O.now();
    opts = opts || {};
    if (active) cleanup();
    S = { id: id, file: 'sketch-' + id + '.js', errors: [], insts: [], main: null, setupDone: false, hasDraw: false,
      drawn: false, inPreload: false, resolve: null, trace: [], traceOn: opts.trace !== false, shape: null,
      exports: null, injecting: false, lines: code.replace(/\s+$/, '').split('\n').length };
    active = true;
    const out = { status: 'error', error: null, line: null, width: 0, height: 0, png: null, trace: [] };
    try {
      const el = document.createElement('script');
      // Function declarations are exported before the program runs, as a browser hoists them to window, so that
      // a program calling `new p5()` itself still finds setup() and draw(). Everything stays on line 1 so that
      // line numbers are the program's own; a leading "use strict" keeps its meaning.
      const strict = /^\s*(['"])use strict\1/.test(code) ? '"use strict";' : '';
      el.textContent = '(function(){' + strict + 'window.__h._early(' + EARLY_EXPR + ');' + code +
        '\n;window.__h._export(' + EXPORT_EXPR + ');\n}).call(window);\n//# sourceURL=' + S.file;
      S.injecting = true;
      try { document.head.appendChild(el); } finally { S.injecting = false; }
      el.remove();
      if (!S.errors.length && S.insts.length === 0) {
        const ex = S.exports;
        if (ex && (ex.setup || ex.draw)) {
          for (const k of EXPORTS) if (ex[k]) window[k] = ex[k];
          try { new P5(); } catch (e) { recordException(e); }
        } else if (ex) {
          recordError('The program defines no setup() or draw() function and creates no p5 instance.', null);
        }
      }
      if (!ready()) await new O.Promise(r => { S.resolve = r; wake(); });
      if (opts.settleMs) {  // async work (promises, fetch) may still fail: give it a moment to report
        await sleep(opts.settleMs);
      }
      if (S.errors.length) {
        out.error = S.errors[0].message;
        out.line = S.errors[0].line;
      } else {
        const tcap = O.now();
        const c = capture(S.main, opts.png !== false);
        captureMs = O.now() - tcap;
        if (!c.hasCanvas) {
          out.status = 'blank';
          out.error = 'The sketch has no canvas.';
        } else if (c.tooLarge) {
          out.error = 'Canvas too large: ' + c.width + 'x' + c.height + ' (limit ' + MAX_SIDE + ' px per side, ' + MAX_PIXELS + ' pixels).';
          out.width = c.width; out.height = c.height;
        } else {
          out.status = c.blank ? 'blank' : 'ok';
          out.width = c.width; out.height = c.height; out.png = c.png;
        }
      }
      if (opts.svg && out.status !== 'error' && S.main && S.main._renderer && S.main._renderer.svg) {
        out.svg = new XMLSerializer().serializeToString(S.main._renderer.svg);
      }
      out.trace = S.trace;
    } catch (e) {
      out.status = 'error';
      out.error = 'Harness failure: ' + describe(e);
    } finally {
      const tc = O.now();
      if (opts.cleanup !== false) out.dirty = cleanup();
      if (opts.profile) out.profile = { total: O.now() - t0, cleanup: O.now() - tc, capture: captureMs };
    }
    // One string crosses the protocol much faster than a tree of objects (the trace can hold thousands).
    return JSON.stringify(out);
  }

  function init() {
    // A hidden instance whose only job is to reset p5's module-level shape and noise state between sketches.
    resetInst = new P5(function (p) { p.setup = function () { p.noCanvas(); }; });
    Error.stackTraceLimit = 50;
    window.__h = {
      run: run,
      _export: function (ex) { if (S) S.exports = ex; },
      _early: function (ex) { for (const k of EXPORTS) if (ex[k]) window[k] = ex[k]; },
    };
    addProtoTargets();
    registeredSnap = snapshotRegistered();
    headBase = Array.from(document.head.children);
    htmlAttrs = attrsOf(document.documentElement);
    titleBase = document.title;
    docBase = snapshotObject(document);
    windowBase = windowValues();
  }
  if (document.readyState === 'complete') init();
  else O.add.call(window, 'load', function () { O.setTimeout(init, 0); });
})();
