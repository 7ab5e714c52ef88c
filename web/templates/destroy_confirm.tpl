% it = item
<h1>{{title}}</h1>
<section class="card confirm" id="destroy-confirm">
  <p class="alert refused">{{_("A destroyed item is gone for good: it can never be checked out again. Destroy it only in front of its witnesses.")}}</p>
  <dl class="fields">
    <dt>{{_("Item")}}</dt><dd><span class="level {{level_class(it["level"])}}">{{level_name(it["level"])}}</span> {{it["title"]}} · {{it["code"]}} · {{_("copy")}} {{it["copy_no"]}}</dd>
    <dt>{{_("Destroyed by")}}</dt><dd>{{by}}</dd>
    <dt>{{_("Approved by")}}</dt><dd>{{approver or "—"}}</dd>
    <dt>{{_("Witnesses")}}</dt><dd>{{"、".join(witnesses) if witnesses else "—"}}</dd>
    <dt>{{_("Method")}}</dt><dd>{{method or "—"}}</dd>
    <dt>{{_("Place")}}</dt><dd>{{place or "—"}}</dd>
  </dl>
  <form class="actions" method="post" action="/items/{{_code_q}}/destroy">
    <input type="hidden" name="csrf_token" value="{{csrf_token}}">
    <input type="hidden" name="confirm" value="1">
    % for name, value in _fields.items():
    <input type="hidden" name="{{name}}" value="{{value}}">
    % end
    <button class="danger" type="submit" id="ds-confirm">{{_("Destroy it now")}}</button>
    <a class="button secondary" href="/items/{{_code_q}}">{{_("Cancel")}}</a>
  </form>
</section>
