"""User-facing text in English and Japanese: static labels (gr.I18n) and chat messages (chosen per message)."""
from __future__ import annotations

import re

import gradio as gr

__all__ = ["UI", "MESSAGES", "EXAMPLES", "i18n", "label", "detect_lang", "message"]

# Static labels, translated in the browser by gr.I18n from the browser's locale.
UI: dict[str, dict[str, str]] = {
    "en": {
        "title": "# Figure Assistant\nDescribe or sketch a scientific figure; refine it by talking and drawing.",
        "chat": "Conversation",
        "input_placeholder": "Describe a figure or a change (English or 日本語); attach an image if you like…",
        "stop": "Stop",
        "code": "Code",
        "apply_edit": "Apply code edit",
        "preview": "Preview",
        "sketch_tab": "Draw on the figure",
        "sketch": "Sketch over the current figure (pick the brush ✎ to draw)",
        "sketch_words": "Words to go with the drawing (optional)",
        "send_sketch": "Send drawing",
        "blank_pad": "Blank pad (sketch a new figure from scratch)",
        "reset_sketch": "Put the current figure back on the pad",
        "new_figure": "New figure",
        "history_tab": "History",
        "history": "Revisions",
        "revision": "Revision",
        "restore": "Restore this revision",
        "tree": "Revision tree (▶ = current; the next answer branches from it)",
        "compare_tab": "Compare",
        "compare_a": "Revision A",
        "compare_b": "Revision B",
        "compare": "Compare",
        "diff": "Code difference (A → B)",
        "alternatives": "Other candidates of this answer",
        "use_alternative": "Use this candidate",
        "export_tab": "Export",
        "export": "Export the current revision",
        "export_files": "Files (.js, offline .html + p5.min.js zip, .png, .svg)",
        "settings_tab": "Settings",
        "target": "Target",
        "preset": "Model",
        "adapter": "Adapter",
        "apply_settings": "Apply model settings",
        "repair_limit": "Automatic repair attempts",
        "best_of": "Candidates per answer (best-of-N)",
        "request_checks": "Check the figure against the request",
        "request_checks_info": "Counts, values, labels and colours read from your words rank the candidates, and a "
                               "figure that misses them is repaired like one that fails to render.",
        "max_tokens": "Max new tokens",
        "temperature": "Temperature",
        "model_status": "Model in use",
        "examples": "Examples",
        "sessions_tab": "Sessions",
        "sessions": "Your sessions in this browser (newest first)",
        "open_session": "Open",
        "new_session": "New session",
        "export_session": "Export this session (.json)",
        "session_file": "Session file (every revision, the chat and the settings)",
        "import_session": "Import a session (.json)",
        "share": "Share the current revision (read-only link)",
        "share_link": "Read-only link",
    },
    "ja": {
        "title": "# 図作成アシスタント\n科学的な図を言葉やスケッチで伝え、会話と手描きで仕上げます。",
        "chat": "会話",
        "input_placeholder": "作りたい図や変更点を入力（日本語 / English）。画像も添付できます…",
        "stop": "停止",
        "code": "コード",
        "apply_edit": "コードの編集を適用",
        "preview": "プレビュー",
        "sketch_tab": "図に描き込む",
        "sketch": "現在の図の上にスケッチ（ブラシ ✎ を選んで描く）",
        "sketch_words": "描き込みに添える言葉（任意）",
        "send_sketch": "描き込みを送信",
        "blank_pad": "白紙モード（スケッチから新しい図を作る）",
        "reset_sketch": "現在の図をパッドに戻す",
        "new_figure": "新しい図",
        "history_tab": "履歴",
        "history": "リビジョン",
        "revision": "リビジョン",
        "restore": "このリビジョンに戻す",
        "tree": "リビジョンの木（▶ = 現在。次の回答はここから分岐）",
        "compare_tab": "比較",
        "compare_a": "リビジョン A",
        "compare_b": "リビジョン B",
        "compare": "比較する",
        "diff": "コードの差分（A → B）",
        "alternatives": "この回答の他の候補",
        "use_alternative": "この候補を使う",
        "export_tab": "書き出し",
        "export": "現在のリビジョンを書き出す",
        "export_files": "ファイル（.js、オフライン .html + p5.min.js の zip、.png、.svg）",
        "settings_tab": "設定",
        "target": "出力形式",
        "preset": "モデル",
        "adapter": "アダプタ",
        "apply_settings": "モデル設定を適用",
        "repair_limit": "自動修復の回数",
        "best_of": "1回答あたりの候補数（best-of-N）",
        "request_checks": "依頼内容と図を照合する",
        "request_checks_info": "依頼文から読み取れる数・値・ラベル・色で候補を選び、合わない図は描画エラーと同じように"
                               "自動で修復します。",
        "max_tokens": "最大生成トークン数",
        "temperature": "温度",
        "model_status": "使用中のモデル",
        "examples": "例",
        "sessions_tab": "セッション",
        "sessions": "このブラウザのセッション（新しい順）",
        "open_session": "開く",
        "new_session": "新しいセッション",
        "export_session": "このセッションを書き出す（.json）",
        "session_file": "セッションファイル（全リビジョン・会話・設定）",
        "import_session": "セッションを読み込む（.json）",
        "share": "現在のリビジョンを共有（読み取り専用リンク）",
        "share_link": "読み取り専用リンク",
    },
}

# Chat messages are built on the server, so their language follows the user's own words.
MESSAGES: dict[str, dict[str, str]] = {
    "en": {
        "empty": "Please type a request, attach an image, or draw on the figure first.",
        "rendered": "Revision r{rev} ({status}) by {model}{adapter}.",
        "render_failed": "Revision r{rev} did not render: {status}{where} — {error}",
        "repairing": "Repair attempt {n}/{limit}: asking the model to fix {status}{where}…",
        "repaired": "Repair attempt {n} worked: revision r{rev} renders.",
        "fixed": "Before running r{rev}, its code was mended: {what}.",
        "fixed_declared": "{names} used but not declared, copied from {source}",
        "fixed_from_example": "the worked example",
        "fixed_from_code": "the previous revision",
        "fixed_recoloured": "{items} given the colour you asked for",
        "repair_failed": "Repair attempt {n} still fails: {status}{where} — {error}",
        "mismatch_repairing": "Repair attempt {n}/{limit}: revision r{rev} renders but misses the request "
                              "({reasons}); asking the model to fix it…",
        "mismatch_left": "Revision r{rev} still misses the request: {reasons}",
        "repair_gave_up": "Stopped after {limit} repair attempt(s); every attempt is in the history. "
                          "Edit the code, try again, or restore an earlier revision.",
        "best_of": "Sampled {n} candidates; {ok} rendered. Kept the best by {kind} "
                   "(the others are in History → Other candidates).",
        "generation_failed": "Generation failed: {error}. Every revision is still in the history.",
        "stopped": "Stopped. Every revision made so far is in the history.",
        "no_code": "The model answered without a program, so no revision was made.",
        "sketch_read": "Read the drawing as: {summary}",
        "sketch_failed": "Could not use the drawing: {error}",
        "upload_too_big": "The attached file is too large ({mb:.1f} MB; the limit is {limit} MB). Nothing was sent.",
        "upload_unreadable": "The attached file {name} could not be read as an image ({error}). Nothing was sent.",
        "hand_edit": "Hand edit → revision r{rev} ({status}{where}).",
        "hand_edit_failed": "Hand edit → revision r{rev} does not render: {status}{where} — {error}",
        "restored": "Restored r{rev}. The next answer branches from it; nothing is lost.",
        "no_revision": "There is no figure yet.",
        "model_loaded": "Model: {model}{adapter}",
        "model_failed": "Could not load the model: {error}. The previous model stays in use.",
        "loading_model": "Loading the model ({model}){first}…",
        "first_start": "; its very first start converts the packaged weights, about 2 minutes",
        "alternative_used": "Candidate {n} of r{source} → revision r{rev} ({status}).",
        "target_changed": "Target is now {lang}.",
        "export_failed": "Export of r{rev}: one format could not be made — {problem}",
        "unchanged": "The answer was the same code as before, so nothing changed. "
                     "Sampling {k} more at temperature {t:.2f}…",
        "still_unchanged": "Every answer repeated the same code, so nothing changed and no revision was added.",
        "new_figure": "New figure: the next request starts from no code. Every earlier revision stays in History.",
        "fresh_start": "r{rev} does not render and this request asks for a different figure, so it starts from "
                       "no code (r{rev} stays in History).",
        "queued": "Waiting for the model: another request is running, and yours starts when it ends.",
    },
    "ja": {
        "empty": "依頼を入力するか、画像を添付するか、図に描き込んでください。",
        "rendered": "リビジョン r{rev}（{status}）。モデル: {model}{adapter}。",
        "render_failed": "リビジョン r{rev} は描画できませんでした: {status}{where} — {error}",
        "repairing": "自動修復 {n}/{limit}: {status}{where} の修正をモデルに依頼しています…",
        "repaired": "自動修復 {n} 回目で成功: リビジョン r{rev} が描画できました。",
        "fixed": "r{rev} は実行前にコードを補いました: {what}。",
        "fixed_declared": "使われているのに定義のない {names} を{source}から追加",
        "fixed_from_example": "お手本のプログラム",
        "fixed_from_code": "前のリビジョン",
        "fixed_recoloured": "{items} を指定の色に",
        "repair_failed": "自動修復 {n} 回目も失敗: {status}{where} — {error}",
        "mismatch_repairing": "自動修復 {n}/{limit}: リビジョン r{rev} は描画できますが依頼と合っていません"
                              "（{reasons}）。修正をモデルに依頼しています…",
        "mismatch_left": "リビジョン r{rev} はまだ依頼と合っていません: {reasons}",
        "repair_gave_up": "{limit} 回の修復で止めました。すべての試行は履歴にあります。"
                          "コードを編集するか、もう一度依頼するか、以前のリビジョンに戻してください。",
        "best_of": "{n} 個の候補を生成し、{ok} 個が描画できました。{kind} で最良のものを選びました"
                   "（他の候補は「履歴」→「この回答の他の候補」）。",
        "generation_failed": "生成に失敗しました: {error}。リビジョンはすべて履歴に残っています。",
        "stopped": "停止しました。ここまでのリビジョンはすべて履歴にあります。",
        "no_code": "モデルの回答にプログラムが含まれていなかったため、リビジョンは作られませんでした。",
        "sketch_read": "描き込みの解釈: {summary}",
        "sketch_failed": "描き込みを使えませんでした: {error}",
        "upload_too_big": "添付ファイルが大きすぎます（{mb:.1f} MB、上限 {limit} MB）。送信していません。",
        "upload_unreadable": "添付ファイル {name} を画像として読めませんでした（{error}）。送信していません。",
        "hand_edit": "手動編集 → リビジョン r{rev}（{status}{where}）。",
        "hand_edit_failed": "手動編集 → リビジョン r{rev} は描画できません: {status}{where} — {error}",
        "restored": "r{rev} に戻しました。次の回答はここから分岐します。何も失われません。",
        "no_revision": "まだ図がありません。",
        "model_loaded": "モデル: {model}{adapter}",
        "model_failed": "モデルを読み込めませんでした: {error}。以前のモデルを使い続けます。",
        "loading_model": "モデル（{model}）を読み込んでいます{first}…",
        "first_start": "。初回だけ同梱の重みを変換するため約2分かかります",
        "alternative_used": "r{source} の候補 {n} → リビジョン r{rev}（{status}）。",
        "target_changed": "出力形式を {lang} にしました。",
        "export_failed": "r{rev} の書き出し: 作れなかった形式があります — {problem}",
        "unchanged": "回答が前と同じコードだったため、何も変わっていません。温度 {t:.2f} で {k} 個を生成し直します…",
        "still_unchanged": "どの回答も同じコードの繰り返しだったため、何も変わらず、リビジョンは追加していません。",
        "new_figure": "新しい図: 次の依頼はコードなしで始めます。これまでのリビジョンはすべて履歴に残っています。",
        "fresh_start": "r{rev} は描画できず、この依頼は別の図を求めているため、コードなしで始めます"
                       "（r{rev} は履歴に残っています）。",
        "queued": "モデルの空きを待っています: 他の依頼を処理中で、終わり次第あなたの依頼を始めます。",
    },
}

# The research's headline prompt, then captions of worked examples from the library (model/examples): requests
# whose answers are known to render and pass their checks. (library id, caption language)
GALLERY: list[tuple[str, str]] = [
    ("cnn-pipeline-ja", "ja"), ("residual-ja", "ja"), ("bar-chart-ja", "ja"), ("venn-ja", "ja"),
    ("flowchart-basic", "en"), ("state-machine", "en"), ("function-sine", "en"), ("pendulum", "en"),
]


def _gallery() -> list[str]:
    """The example requests shown under the chat box."""
    from model.examples import load_library

    by_id = {e.id: e for e in load_library()}
    return ["3層のニューラルネットワークを図示せよ。入力層は4ユニット、中間層は5ユニット、出力層は1ユニットとせよ。"] + [
        by_id[i].caption(lang == "ja") for i, lang in GALLERY]


EXAMPLES: list[str] = _gallery()

_JA = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uff66-\uff9f]")


def detect_lang(text: str | None) -> str:
    """'ja' when the text contains Japanese characters, else 'en'."""
    return "ja" if text and _JA.search(text) else "en"


def message(key: str, lang: str = "en", **fields: object) -> str:
    """A chat message in the user's language, filled with `fields`."""
    table = MESSAGES.get(lang, MESSAGES["en"])
    return table.get(key, MESSAGES["en"][key]).format(**fields)


# Our keys get a prefix so they never collide with Gradio's own translation namespaces ("code", …).
_PREFIX = "figapp_"


def i18n() -> gr.I18n:
    """The gr.I18n table for the static labels."""
    return gr.I18n(**{loc: {_PREFIX + k: v for k, v in table.items()} for loc, table in UI.items()})


def label(key: str) -> gr.i18n.I18nData:
    """A static label translated in the browser."""
    if key not in UI["en"]:
        raise KeyError(f"no UI string {key!r}")
    return gr.i18n.I18nData(_PREFIX + key)
