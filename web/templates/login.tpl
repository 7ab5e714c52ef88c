<section class="login">
  <h1>{{_("Sign in")}}</h1>
  % if get("error"):
  <p class="alert refused" role="alert">{{shown(error)}}</p>
  % end
  <form method="post" action="/login">
    <input type="hidden" name="csrf_token" value="{{csrf_token}}">
    <input type="hidden" name="next" value="{{get("next", "/")}}">
    <label for="username">{{_("User name")}}</label>
    <input id="username" name="username" autocomplete="username" required autofocus value="{{get("username", "")}}">
    <label for="password">{{_("Password")}}</label>
    <input id="password" name="password" type="password" autocomplete="current-password" required>
    <button type="submit">{{_("Sign in")}}</button>
  </form>
  <p class="switch"><a href="/lang?to={{other_lang}}&amp;next={{here_q}}">{{"English" if lang == "zh" else "中文"}}</a></p>
</section>
