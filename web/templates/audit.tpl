<h1>{{title}}</h1>
<div class="grid">
<section>
  <h2>{{_("The ledger")}}</h2>
  % if verify["ok"]:
  <p class="badge-ok" id="verify-ok">{{_("intact: {events} events, {items} items, the state matches the ledger", events=verify["events"], items=verify["items"])}}</p>
  % else:
  <p class="badge-bad" id="verify-bad">{{_("BROKEN at event {seq}: {problem}", seq=verify["bad_seq"], problem=verify["problem"])}}</p>
  % end
  <p class="muted">{{_("Head: event {seq}", seq=head["seq"])}} · <code>{{head["hash"][:16]}}…</code></p>
</section>
<section>
  <h2>{{_("Last signed checkpoint")}}</h2>
  % if checkpoint:
  <p>{{_("event {seq}, signed {at}", seq=checkpoint["seq"], at=fmt(checkpoint["at"]))}} · {{_("key")}} <code>{{checkpoint["key_id"]}}</code></p>
  % if checkpoint["extends"]:
  <p class="badge-ok">{{_("the ledger extends it")}}</p>
  % else:
  <p class="badge-bad">{{checkpoint["problem"]}}</p>
  % end
  % else:
  <p class="empty">{{_("No checkpoint kept (one is signed at every recorded sweep and by custody checkpoint).")}}</p>
  % end
</section>
<section class="wide">
  <h2>{{_("Violations")}} <span class="muted">({{len(violations)}})</span></h2>
  % if not violations:
  <p class="empty">{{_("None.")}}</p>
  % else:
  <table>
    <thead><tr><th scope="col">{{_("Time")}}</th><th scope="col">{{_("Rule")}}</th><th scope="col">{{_("What")}}</th><th scope="col">{{_("Who")}}</th><th scope="col">{{_("Station")}}</th></tr></thead>
    <tbody>
    % for x in violations:
    <tr><td>{{fmt(x["at"])}}</td><td>{{x["rule"]}}</td><td>{{x["message"]}}</td><td>{{x["person"] or ""}}</td><td>{{x["station"] or ""}}</td></tr>
    % end
    </tbody>
  </table>
  % end
</section>
</div>
