/*
 * flamegraph.js - the interactive part of peekpy's SVG flame graphs.
 *
 * output/flamegraph.c writes the drawing (the flame view, unzoomed) and,
 * before this script, the layout as data: P.n is the samples, P.f holds the
 * frames' texts, and per box P.d (depth), P.x and P.w (offset and width in
 * samples), P.fr (its frame) and P.c (its colour class).  Boxes are in
 * pre-order, so the boxes under one are the run after it that is deeper.
 * A differential graph adds, per box, its own and total time before and
 * after (ob, oa, tb, ta), its own samples summed over each side's runs (sb,
 * sa), the change of its own time with its interval
 * (ch, lo, hi) and the verdict (v: see flamegraph_diff_verdict); and P.b,
 * the same for the "before" view.  Everything drawn after loading is
 * drawn again from that data.  Must not fetch anything.
 */
"use strict";
var NS = "http://www.w3.org/2000/svg";
var CHAR_PX = 7.2;
var MIN_WIDTH = 400;
var S = null;

function init(evt) {
	var doc = (evt && evt.target && evt.target.ownerDocument) || document;
	S = {
		doc: doc,
		rects: doc.getElementById("r"),
		labels: doc.getElementById("t"),
		details: doc.getElementById("details"),
		matched: doc.getElementById("matched"),
		flame: P, reversed: null, tree: P,
		zoom: -1, icicle: false, match: null, pattern: "", ignoreCase: false,
		standalone: standalone(doc)
	};
	prepare(P);
	S.fileWidth = P.width;
	/* The file draws the boxes a pixel wide or more (as flamegraph.c
	 * decides, at the file's width); the others get an element when first
	 * shown. */
	var drawn = S.rects.getElementsByTagName("rect"), k = 0;
	P.elems = new Array(P.d.length);
	for (var i = 0; i < P.d.length && k < drawn.length; i++) {
		if (P.w[i] * (P.width - 2 * P.pad) >= P.n) {
			P.elems[i] = drawn[k++];
			P.elems[i].__i = i;
		}
	}
	if (P.b) {
		prepare(P.b);
		P.b.elems = new Array(P.b.d.length);
		control("before", function () { showBefore(S.flame === P); });
	}
	doc.getElementById("controls").removeAttribute("display");
	S.rects.addEventListener("mouseover", function (e) {
		if (e.target.__i !== undefined) S.details.textContent = describe(e.target.__i);
	});
	S.rects.addEventListener("mouseout", function () { S.details.textContent = " "; });
	S.rects.addEventListener("click", function (e) {
		if (e.target.__i === undefined) return;
		zoomTo(e.target.__i);
		/* A page holding the graph (peekpy's -f html) shows the line. */
		if (typeof window.peekpyFrameClicked === "function")
			window.peekpyFrameClicked(S.tree.f[S.tree.fr[e.target.__i]]);
	});
	control("reset", function () { zoomTo(-1); });
	control("view", function () { S.icicle = !S.icicle; redraw(); keepView(); });
	control("reverse", function () { showReversed(S.tree === S.flame); keepView(); });
	control("icase", function () { S.ignoreCase = !S.ignoreCase; search(S.pattern); });
	control("search", function () {
		if (S.pattern) search("");
		else search(window.prompt("Search (regular expression)", "") || "");
	});
	window.addEventListener("keydown", function (e) {
		if (e.key === "Escape") zoomTo(-1);
		else if ((e.ctrlKey || e.metaKey) && (e.key === "f" || e.key === "F")) {
			e.preventDefault();
			search(window.prompt("Search (regular expression)", S.pattern) || "");
		}
	});
	if (S.standalone) {
		var pending = 0;
		window.addEventListener("resize", function () {
			clearTimeout(pending);
			pending = setTimeout(function () { if (fitWidth()) redraw(); }, 100);
		});
	}
	fromUrl();
}

/* The graph is the page (opened on its own, not inline in peekpy's html
 * page nor shown as an image): it may fit the window. */
function standalone(doc) {
	return doc.documentElement.localName === "svg" && typeof window !== "undefined" &&
		window.innerWidth > 0;
}

/* Fit the width to the window (the file's own is for pictures without the
 * script): the picture spans the page, one unit a pixel.  Whether the
 * width changed. */
function fitWidth() {
	var root = S.doc.documentElement, height = root.getAttribute("height");
	root.setAttribute("width", "100%");
	var width = Math.floor(root.getBoundingClientRect().width);
	if (!(width >= MIN_WIDTH)) width = MIN_WIDTH;
	root.setAttribute("width", width);
	if (width === P.width) return false;
	P.width = width;
	root.setAttribute("viewBox", "0 0 " + width + " " + height);
	S.doc.getElementById("bg").setAttribute("width", width);
	["title", "notes", "command"].forEach(function (id) {
		S.doc.getElementById(id).setAttribute("x", width / 2);
	});
	S.doc.getElementById("matched").setAttribute("x", width - P.pad);
	S.doc.getElementById("search").setAttribute("x", width - P.pad);
	S.doc.getElementById("icase").setAttribute("x", width - P.pad - 110);
	return true;
}

/* Too tall for the window: in the flame view the root would be out of
 * sight, below the towers of the deepest stacks. */
function tallerThanWindow() {
	var height = parseFloat(S.doc.documentElement.getAttribute("height"));
	return S.standalone && height > window.innerHeight;
}

/* The view chosen is kept in the URL (?v=icicle, ?v=flame,reversed): a
 * reload opens on it. */
function keepView() {
	var words = [S.icicle ? "icicle" : "flame"];
	if (S.reversed && S.tree === S.reversed) words.push("reversed");
	var query = String(window.location.search || "").replace(/^\?/, "").split("&")
		.filter(function (kv) { return kv && kv.indexOf("v=") !== 0; });
	query.push("v=" + words.join(","));
	try {
		window.history.replaceState(null, "", "?" + query.join("&") + window.location.hash);
	} catch (err) {
		/* Some pages (file: URLs in some browsers) cannot change theirs. */
	}
}

function control(id, action) {
	S.doc.getElementById(id).addEventListener("click", action);
}

/* Per box: where its subtree ends, its parent; and the deepest depth. */
function prepare(t) {
	var n = t.d.length, stack = [], i;
	t.end = new Int32Array(n);
	t.parent = new Int32Array(n);
	t.maxd = 0;
	for (i = 0; i < n; i++) {
		while (stack.length && t.d[stack[stack.length - 1]] >= t.d[i]) t.end[stack.pop()] = i;
		t.parent[i] = stack.length ? stack[stack.length - 1] : -1;
		stack.push(i);
		if (t.d[i] > t.maxd) t.maxd = t.d[i];
	}
	while (stack.length) t.end[stack.pop()] = n;
}

/* Callers-of: every stack turned over, its last frame at the root. */
function reverse(t) {
	var n = t.d.length, selfs = t.w.slice(), root = { kids: new Map(), w: 0 }, i, a;
	for (i = 0; i < n; i++) if (t.parent[i] >= 0) selfs[t.parent[i]] -= t.w[i];
	for (i = 0; i < n; i++) {
		if (selfs[i] <= 0) continue;
		var node = root;
		for (a = i; a >= 0; a = t.parent[a]) {
			var key = t.fr[a], kid = node.kids.get(key);
			if (!kid) node.kids.set(key, kid = { kids: new Map(), w: 0, fr: key, c: t.c[a] });
			node = kid;
			node.w += selfs[i];
		}
	}
	var out = { n: t.n, f: t.f, d: [], x: [], w: [], fr: [], c: [] }, todo = [];
	function push(node, depth, x) {
		var kids = Array.from(node.kids.values());
		kids.sort(function (p, q) {
			var a = t.f[p.fr], b = t.f[q.fr];
			return a < b ? -1 : a > b ? 1 : p.fr - q.fr;
		});
		var at = x, list = [];
		kids.forEach(function (k) { list.push([k, depth, at]); at += k.w; });
		for (var j = list.length - 1; j >= 0; j--) todo.push(list[j]);
	}
	push(root, 0, 0);
	while (todo.length) {
		var item = todo.pop(), k = item[0];
		out.d.push(item[1]); out.x.push(item[2]); out.w.push(k.w);
		out.fr.push(k.fr); out.c.push(k.c);
		push(k, item[1] + 1, item[2]);
	}
	prepare(out);
	out.elems = new Array(out.d.length);
	return out;
}

function showReversed(on) {
	if (on && !S.reversed) S.reversed = reverse(S.flame);
	S.tree = on ? S.reversed : S.flame;
	swapElements();
	S.doc.getElementById("reverse").setAttribute("class", on ? "ctl on" : "ctl");
	search(S.pattern);
}

/* A differential graph: the "before" view, where vanished frames are. */
function showBefore(on) {
	S.flame = on ? P.b : P;
	S.reversed = null;
	S.tree = S.flame;
	swapElements();
	S.doc.getElementById("reverse").setAttribute("class", "ctl");
	S.doc.getElementById("before").setAttribute("class", on ? "ctl on" : "ctl");
	search(S.pattern);
}

/* The drawn boxes become the current tree's. */
function swapElements() {
	S.zoom = -1;
	var frag = S.doc.createDocumentFragment();
	S.tree.elems.forEach(function (el) { if (el) frag.appendChild(el); });
	while (S.rects.firstChild) S.rects.removeChild(S.rects.firstChild);
	S.rects.appendChild(frag);
}

function zoomTo(i) {
	S.zoom = i;
	redraw();
}

function y(t, depth) {
	return S.icicle ? P.top + depth * P.fh : P.top + (t.maxd - depth) * P.fh;
}

function label(text, width) {
	var fit = Math.floor((width - 6) / CHAR_PX);
	if (fit < 3) return null;
	return text.length <= fit ? text : text.slice(0, fit - 2) + "..";
}

function redraw() {
	var t = S.tree, n = t.d.length, z = S.zoom, i;
	var x0 = z >= 0 ? t.x[z] : 0, span = z >= 0 ? t.w[z] : t.n;
	var lo = z >= 0 ? z : 0, hi = z >= 0 ? t.end[z] : n;
	var full = P.width - 2 * P.pad, scale = span ? full / span : 0;
	var ancestors = {}, frag = S.doc.createDocumentFragment();
	for (i = z >= 0 ? t.parent[z] : -1; i >= 0; i = t.parent[i]) ancestors[i] = true;
	for (i = 0; i < n; i++) {
		var el = t.elems[i], fade = ancestors[i] === true;
		var inside = i >= lo && i < hi, width = fade ? full : t.w[i] * scale;
		if (!fade && (!inside || width < 1)) {
			if (el) el.setAttribute("display", "none");
			continue;
		}
		if (!el) {
			el = t.elems[i] = S.doc.createElementNS(NS, "rect");
			el.__i = i;
			S.rects.appendChild(el);
		}
		var x = fade ? P.pad : P.pad + (t.x[i] - x0) * scale, top = y(t, t.d[i]);
		el.removeAttribute("display");
		el.setAttribute("x", x.toFixed(1));
		el.setAttribute("y", top);
		el.setAttribute("width", width.toFixed(1));
		el.setAttribute("height", P.fh - 1);
		var cls = "c" + t.c[i];
		if (fade) cls += " fade";
		if (S.match && S.match[t.fr[i]]) cls += " match";
		el.setAttribute("class", cls);
		var text = label(t.f[t.fr[i]], width);
		if (text) {
			var tx = S.doc.createElementNS(NS, "text");
			tx.setAttribute("x", (x + 3).toFixed(1));
			tx.setAttribute("y", top + 11.5);
			tx.textContent = text;
			frag.appendChild(tx);
		}
	}
	while (S.labels.firstChild) S.labels.removeChild(S.labels.firstChild);
	S.labels.appendChild(frag);
	S.doc.getElementById("view").textContent = S.icicle ? "Flame" : "Icicle";
	showMatched(t, lo, hi, span);
}

/* Matched: each sample once (a match inside a match is not counted
 * again), over the zoomed part only. */
function showMatched(t, lo, hi, span) {
	if (!S.match) {
		S.matched.textContent = " ";
		return;
	}
	var sum = 0, i = lo;
	while (i < hi) {
		if (S.match[t.fr[i]]) {
			sum += t.w[i];
			i = t.end[i];
		} else {
			i++;
		}
	}
	S.matched.textContent = "Matched: " + (span ? (100 * sum / span).toFixed(1) : "0.0") + "%";
}

function search(pattern) {
	var re = null;
	S.pattern = pattern;
	S.doc.getElementById("icase").setAttribute("class", S.ignoreCase ? "ctl on" : "ctl");
	S.doc.getElementById("search").setAttribute("class", "ctl end");
	if (pattern && !(re = regex(pattern, S.ignoreCase ? "i" : ""))) return;
	S.match = re ? S.tree.f.map(function (text) { return re.test(text); }) : null;
	S.doc.getElementById("search").textContent = re ? "Clear search" : "Search";
	redraw();
}

function count(n) {
	return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

function seconds(s) {
	return s >= 1 ? s.toFixed(2) + " s" : (s * 1000).toFixed(s >= 0.01 ? 0 : 1) + " ms";
}

function amount(v) {
	return P.timed ? seconds(v) : v.toFixed(1) + " samples";
}

function percent(v) {
	return (v >= 0 ? "+" : "") + (100 * v).toFixed(1) + "%";
}

/* A differential graph's hover line. */
function describeChange(t, i) {
	var judged = ["not judged (too small)", "", "slower", "faster", "new", "gone"][t.v[i]];
	if (t.v[i] === 1 || t.v[i] === 2 || t.v[i] === 3)
		judged = percent(t.ch[i]) + " (" + percent(t.lo[i]) + " .. " + percent(t.hi[i]) + "), " +
			(t.v[i] === 1 ? "within noise" : judged);
	if (!t.ob[i] && !t.oa[i]) judged = "calls only";
	return t.f[t.fr[i]] + " \u2014 own: " + amount(t.ob[i]) + " before (" + count(t.sb[i]) +
		" samples), " + amount(t.oa[i]) + " after (" + count(t.sa[i]) + " samples), " + judged + "; with callees: " + amount(t.tb[i]) + " before, " +
		amount(t.ta[i]) + " after (per run)";
}

function describe(i) {
	var t = S.tree, w = t.w[i];
	if (t.v) return describeChange(t, i);
	var text = t.f[t.fr[i]] + " \u2014 " + (P.kinds[Math.floor(t.c[i] / 16)] || "") + ", " +
		count(w) + " samples, " + (100 * w / t.n).toFixed(2) + "% of all";
	if (S.zoom >= 0) text += ", " + (100 * w / t.w[S.zoom]).toFixed(2) + "% of zoomed";
	if (P.dt) text += ", ~" + seconds(w * P.dt);
	return text;
}

/* ?s=REGEX&i=1 searches, ?zoom=REGEX zooms to the widest frame matching,
 * ?v=icicle, ?v=flame and ?v=reversed (or two: ?v=icicle,reversed) pick the
 * view.  Without ?v a graph taller than the window opens as an icicle:
 * the root and the widest frames at the top, in sight. */
function fromUrl() {
	var params = {};
	String(window.location.search || "").replace(/^\?/, "").split("&").forEach(function (kv) {
		var at = kv.indexOf("=");
		if (at > 0) params[decodeURIComponent(kv.slice(0, at))] =
			decodeURIComponent(kv.slice(at + 1).replace(/\+/g, " "));
	});
	var times = [], start, view = (params.v || "").split(","), drawn = false;
	S.icicle = view.indexOf("icicle") >= 0 ||
		(view.indexOf("flame") < 0 && tallerThanWindow());
	if (S.standalone) fitWidth();
	if (view.indexOf("reversed") >= 0) {
		start = performance.now();
		showReversed(true);
		drawn = true;
		times.push("reversed:" + (performance.now() - start).toFixed(0));
	}
	if (params.zoom) {
		var re = regex(params.zoom, ""), t = S.tree, best = -1;
		for (var i = 0; re && i < t.d.length; i++)
			if (re.test(t.f[t.fr[i]]) && (best < 0 || t.w[i] > t.w[best])) best = i;
		start = performance.now();
		zoomTo(best);
		drawn = true;
		times.push("zoom:" + (performance.now() - start).toFixed(0));
	}
	/* The file's drawing is the flame view at its own width. */
	if (!drawn && (S.icicle || P.width !== S.fileWidth)) redraw();
	S.ignoreCase = params.i === "1";
	if (params.s) {
		start = performance.now();
		search(params.s);
		times.push("search:" + (performance.now() - start).toFixed(0));
	}
	/* How long each took, in ms, for benchmarks to read. */
	times.unshift("load:" + performance.now().toFixed(0));
	S.doc.documentElement.setAttribute("data-ms", times.join(" "));
}

function regex(pattern, flags) {
	try {
		return new RegExp(pattern, flags);
	} catch (err) {
		S.matched.textContent = "Not a regular expression: " + pattern;
		return null;
	}
}
