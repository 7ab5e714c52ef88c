<section class="login kiosk">
  <h1>{{_("Station display: sign in with a device token")}}</h1>
  % if get("error"):
  <p class="alert refused" role="alert">{{shown(error)}}</p>
  % end
  <form method="post" action="/kiosk">
    <input type="hidden" name="csrf_token" value="{{csrf_token}}">
    % if get("station"):
    <input type="hidden" name="station" value="{{station}}">
    % end
    <label for="token">{{_("Device token")}}</label>
    <input id="token" name="token" type="password" autocomplete="off" required>
    <button type="submit">{{_("Open the display")}}</button>
  </form>
</section>
