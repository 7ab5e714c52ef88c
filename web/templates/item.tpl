% it = item
<h1><span class="level {{level_class(it["level"])}}">{{level_name(it["level"])}}</span> {{it["title"]}}</h1>
<div class="item-head">
<section class="card">
<dl class="fields">
  <dt>{{_("Code")}}</dt><dd>{{it["code"]}}</dd>
  <dt>{{_("Kind")}}</dt><dd>{{term("kind", it["kind"])}}</dd>
  <dt>{{_("Level")}}</dt><dd><span class="level {{level_class(it["level"])}}">{{level_name(it["level"])}}</span></dd>
  <dt>{{_("Secrecy period")}}</dt><dd>{{it["period_text"] or "—"}}</dd>
  <dt>{{_("Copy number")}}</dt><dd>{{it["copy_no"]}}{{(" / " + str(it["total_copies"])) if it["total_copies"] else ""}}</dd>
  <dt>{{_("Document number (文号)")}}</dt><dd>{{it["doc_no"] or "—"}}</dd>
  <dt>{{_("Issuing authority")}}</dt><dd>{{it["issuer"] or "—"}}</dd>
  <dt>{{_("Distribution scope")}}</dt><dd>{{"、".join(it["scope"]) if it["scope"] else "—"}}</dd>
  <dt>{{_("Home")}}</dt><dd>{{it["home"]}}</dd>
  <dt>{{_("Status")}}</dt><dd>{{term("status", it["status"])}}</dd>
  <dt>{{_("Holder")}}</dt><dd>{{it["holder"]["name"] if it["holder"] else "—"}}</dd>
  <dt>{{_("Since")}}</dt><dd>{{fmt(it["since"]) or "—"}}</dd>
  <dt>{{_("Where")}}</dt><dd>{{it["location"] or "—"}}</dd>
  % if it["loan_purpose"]:
  <dt>{{_("Purpose")}}</dt><dd>{{purpose_name(it["loan_purpose"])}}</dd>
  <dt>{{_("Due")}}</dt><dd>{{fmt(it["loan_due"])}}</dd>
  % end
  <dt>{{_("Received")}}</dt><dd>{{fmt(it["received_at"])}}</dd>
  % if it["due_back"]:
  <dt>{{_("Due back to the issuer")}}</dt><dd>{{it["due_back"]}}</dd>
  % end
  % if it["no_copy"]:
  <dt>{{_("Copying")}}</dt><dd>{{_("do not copy")}}</dd>
  % end
</dl>
</section>
<section class="card">
  <h2>{{_("Label")}}</h2>
  <img class="label-image" src="/items/{{_code_q}}/label.png" alt="{{_("Label of {code}", code=it["code"])}}" width="300">
  % if "label" in actions:
  <p><a class="button secondary" href="/labels.pdf?codes={{_code_q}}">{{_("Label sheet (PDF)")}}</a></p>
  % end
</section>
</div>

% if actions:
<h2>{{_("What you may do")}}</h2>
<div class="actions">
  % if "request" in actions:
  <form method="post" action="/approvals/request">
    <input type="hidden" name="csrf_token" value="{{csrf_token}}">
    <input type="hidden" name="code" value="{{it["code"]}}">
    <label for="hours">{{_("Valid for (hours)")}}</label>
    <input id="hours" name="hours" value="8" size="3" inputmode="numeric">
    <button type="submit">{{_("Ask a leader's approval to borrow it")}}</button>
  </form>
  % end
  % if "report_lost" in actions:
  <form method="post" action="/items/{{_code_q}}/lost" data-confirm="{{_("Report this item lost? Leaders are notified.")}}">
    <input type="hidden" name="csrf_token" value="{{csrf_token}}">
    <label for="note">{{_("Note")}}</label>
    <input id="note" name="note">
    <button class="danger" type="submit">{{_("Report lost")}}</button>
  </form>
  % end
  % if "resolve_loss" in actions:
  <form method="post" action="/items/{{_code_q}}/found">
    <input type="hidden" name="csrf_token" value="{{csrf_token}}">
    <input type="hidden" name="found" value="1">
    <button type="submit">{{_("Found: back in custody")}}</button>
  </form>
  <form method="post" action="/items/{{_code_q}}/found">
    <input type="hidden" name="csrf_token" value="{{csrf_token}}">
    <input type="hidden" name="found" value="0">
    <button class="danger" type="submit">{{_("Confirm the loss")}}</button>
  </form>
  % end
</div>
% if it["status"] == "in" and may(Can.CUSTODY):
<p class="hint">{{_("To check it out: scan the borrower's badge, then the item, at a station.")}}</p>
% end
% end

<h2>{{_("History")}}</h2>
<ol class="timeline">
% for e in history:
  <li class="{{"refused" if e["refused"] else ""}}">
    <time datetime="{{e["at"]}}">{{fmt(e["at"])}}</time>
    <strong>{{e["name"]}}</strong>
    % if e["person_name"]:
    · {{e["person_name"]}}
    % end
    % if e["station"]:
    · {{e["station"]}}
    % end
    <span class="muted">· {{e["actor"]}} · #{{e["seq"]}}</span>
  </li>
% end
</ol>
